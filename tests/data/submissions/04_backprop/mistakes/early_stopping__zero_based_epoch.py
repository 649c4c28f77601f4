def early_stopping(val_losses, patience):
    best, waited = np.inf, 0
    for epoch in range(len(val_losses)):
        if val_losses[epoch] < best:
            best, waited = val_losses[epoch], 0
        else:
            waited += 1
            if waited >= patience:
                return epoch
    return len(val_losses) - 1
