def dropout_backward(dout, p, u, train=True):
    return dout * (u >= p) / (1.0 - p)
