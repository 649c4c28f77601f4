def batchnorm_backward(dout, x, gamma, eps=1e-5):
    z, dz = _rows(x), _rows(dout)
    inv_std = 1.0 / np.sqrt(z.var(axis=0) + eps)
    x_hat = (z - z.mean(axis=0)) * inv_std
    return _unrows(dz * gamma * inv_std, x), (dz * x_hat).sum(axis=0), dz.sum(axis=0)
