def dense_backward(dout, x, W):
    x2 = x.reshape(x.shape[0], -1)
    dW = np.zeros(W.shape)
    db = np.zeros(W.shape[1])
    for i in range(x2.shape[0]):
        dW = np.outer(x2[i], dout[i])
        db = dout[i]
    return (dout @ W.T).reshape(x.shape), dW, db
