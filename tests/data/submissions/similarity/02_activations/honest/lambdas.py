import numpy as np

# A table of derivatives: every backward is dout times f'(x).
_DERIVATIVE = {
    "step": lambda x, p: np.zeros_like(x),
    "linear": lambda x, p: np.ones_like(x),
    "tanh": lambda x, p: 1.0 - np.tanh(x) ** 2,
    "relu": lambda x, p: (x > 0).astype(x.dtype),
    "leaky": lambda x, p: np.where(x > 0, 1.0, p).astype(x.dtype),
    "elu": lambda x, p: np.where(x > 0, 1.0, p * np.exp(np.minimum(x, 0.0))).astype(x.dtype),
}


def _chain(kind, dout, x, p=None):
    return (dout * _DERIVATIVE[kind](x, p)).astype(x.dtype)


binary_step = lambda x: (x >= 0).astype(x.dtype)                      # noqa: E731
binary_step_backward = lambda dout, x: _chain("step", dout, x)         # noqa: E731
linear = lambda x: x.astype(x.dtype, copy=True)                         # noqa: E731
linear_backward = lambda dout, x: _chain("linear", dout, x)            # noqa: E731


def sigmoid(x):
    half = 0.5 * x
    return 0.5 + 0.5 * np.tanh(half)


def sigmoid_backward(dout, x):
    s = sigmoid(x)
    return dout * (s - s * s)


tanh = lambda x: np.tanh(x)                                            # noqa: E731
tanh_backward = lambda dout, x: _chain("tanh", dout, x)                # noqa: E731
relu = lambda x: np.fmax(x, 0).astype(x.dtype)                         # noqa: E731
relu_backward = lambda dout, x: _chain("relu", dout, x)                # noqa: E731


def leaky_relu(x, negative_slope=0.01):
    return np.where(x >= 0, x, x * negative_slope).astype(x.dtype)


def leaky_relu_backward(dout, x, negative_slope=0.01):
    return _chain("leaky", dout, x, negative_slope)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))).astype(x.dtype)


def elu_backward(dout, x, alpha=1.0):
    return _chain("elu", dout, x, alpha)


def softmax(x, axis=-1):
    logits = x - np.max(x, axis=axis, keepdims=True)
    log_norm = np.log(np.sum(np.exp(logits), axis=axis, keepdims=True))
    return np.exp(logits - log_norm)


def softmax_backward(dout, x, axis=-1):
    s = softmax(x, axis=axis)
    return s * dout - s * (s * dout).sum(axis=axis, keepdims=True)
