def init_params(D, H, C, seed):
    np.random.seed(seed)
    W1 = np.random.randn(D, H) * np.sqrt(2.0 / D)
    W2 = np.random.randn(H, C) * np.sqrt(2.0 / H)
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}
