def batchnorm_backward(dout, x, gamma, eps=1e-5):
    z, dz = _rows(x), _rows(dout)
    m = z.shape[0]
    inv_std = 1.0 / np.sqrt(z.var(axis=0, ddof=1) + eps)
    x_hat = (z - z.mean(axis=0)) * inv_std
    dx_hat = dz * gamma
    dx = inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return _unrows(dx, x), (dz * x_hat).sum(axis=0), dz.sum(axis=0)
