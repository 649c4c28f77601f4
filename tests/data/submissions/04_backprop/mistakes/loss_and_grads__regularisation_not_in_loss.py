def loss_and_grads(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = dense_forward(X, W1, b1)
    h = relu(a)
    scores = dense_forward(h, W2, b2)
    dscores = sparse_categorical_cross_entropy_grad(scores, y)
    dh, dW2, db2 = dense_backward(dscores, h, W2)
    _, dW1, db1 = dense_backward(relu_backward(dh, a), X, W1)
    loss = sparse_categorical_cross_entropy(scores, y)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}
