def dropout_forward(x, p, u, train=True):
    if not train:
        return x * (1.0 - p)
    return x * (u >= p)
