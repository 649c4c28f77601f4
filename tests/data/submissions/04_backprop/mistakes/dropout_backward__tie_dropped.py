def dropout_backward(dout, p, u, train=True):
    if not train:
        return dout.copy()
    return np.where(u > p, dout / (1.0 - p), 0.0)
