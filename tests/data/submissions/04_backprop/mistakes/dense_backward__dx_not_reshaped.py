def dense_backward(dout, x, W):
    x2 = x.reshape(x.shape[0], -1)
    return dout @ W.T, x2.T @ dout, dout.sum(axis=0)
