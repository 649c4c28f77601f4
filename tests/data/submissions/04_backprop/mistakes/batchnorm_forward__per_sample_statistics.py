def batchnorm_forward(x, gamma, beta, eps=1e-5):
    axes = tuple(range(1, x.ndim))
    x_hat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape)
