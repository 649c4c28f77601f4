def train(X, y, hidden, lr, epochs, batch_size, seed):
    n = X.shape[0]
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    rng = np.random.default_rng(seed)
    history = np.zeros(epochs)
    for epoch in range(epochs):
        order = np.arange(n)
        losses, sizes = [], []
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = loss_and_grads(params, X[batch], y[batch], 0.0)
            losses.append(loss)
            sizes.append(len(batch))
            for name in params:
                params[name] = params[name] - lr * grads[name]
        history[epoch] = np.dot(losses, sizes) / np.sum(sizes)
    return params, history
