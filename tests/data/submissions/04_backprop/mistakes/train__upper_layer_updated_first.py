def train(X, y, hidden, lr, epochs, batch_size, seed):
    n = X.shape[0]
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    rng = np.random.default_rng(seed)
    history = np.zeros(epochs)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            xb, yb = X[batch], y[batch]
            a = dense_forward(xb, params["W1"], params["b1"])
            h = relu(a)
            scores = dense_forward(h, params["W2"], params["b2"])
            history[epoch] += sparse_categorical_cross_entropy(scores, yb) * len(batch) / n
            dscores = sparse_categorical_cross_entropy_grad(scores, yb)
            _, dW2, db2 = dense_backward(dscores, h, params["W2"])
            params["W2"] = params["W2"] - lr * dW2
            params["b2"] = params["b2"] - lr * db2
            dh, _, _ = dense_backward(dscores, h, params["W2"])
            _, dW1, db1 = dense_backward(relu_backward(dh, a), xb, params["W1"])
            params["W1"] = params["W1"] - lr * dW1
            params["b1"] = params["b1"] - lr * db1
    return params, history
