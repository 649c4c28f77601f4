def dense_forward(x, W, b):
    return x.reshape(x.shape[0], -1) @ W
