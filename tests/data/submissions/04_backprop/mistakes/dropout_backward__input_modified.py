def dropout_backward(dout, p, u, train=True):
    if not train:
        return dout.copy()
    dout[u < p] = 0.0
    dout /= 1.0 - p
    return dout
