def dropout_forward(x, p, u, train=True):
    return x * (u >= p) / (1.0 - p)
