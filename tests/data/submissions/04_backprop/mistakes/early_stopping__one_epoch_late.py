def early_stopping(val_losses, patience):
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if waited > patience:
                return epoch
    return len(val_losses)
