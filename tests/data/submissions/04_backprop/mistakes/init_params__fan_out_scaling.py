def init_params(D, H, C, seed):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / H), size=(D, H))
    W2 = rng.normal(0.0, np.sqrt(2.0 / C), size=(H, C))
    return {"W1": W1, "b1": np.zeros(H), "W2": W2, "b2": np.zeros(C)}
