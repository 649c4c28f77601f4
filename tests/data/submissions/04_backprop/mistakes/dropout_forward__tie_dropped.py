def dropout_forward(x, p, u, train=True):
    if not train:
        return x.copy()
    return x * (u > p) / (1.0 - p)
