def dense_backward(dout, x, W):
    x2 = x.reshape(x.shape[0], -1)
    return (dout @ W.T).reshape(x.shape), dout.T @ x2, dout.sum(axis=0)
