def dense_backward(dout, x, W):
    n = x.shape[0]
    x2 = x.reshape(n, -1)
    return (dout @ W.T).reshape(x.shape), x2.T @ dout / n, dout.sum(axis=0) / n
