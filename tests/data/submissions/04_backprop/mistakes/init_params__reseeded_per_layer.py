def init_params(D, H, C, seed):
    W1 = np.random.default_rng(seed).normal(0.0, np.sqrt(2.0 / D), size=(D, H))
    W2 = np.random.default_rng(seed).normal(0.0, np.sqrt(2.0 / H), size=(H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}
