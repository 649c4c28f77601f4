def dropout_backward(dout, p, u, train=True):
    if not train:
        return dout.copy()
    return dout * (u >= p)
