def early_stopping(val_losses, patience):
    waited = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[epoch - 1]:
            waited = 0
        else:
            waited += 1
            if waited >= patience:
                return epoch + 1
    return len(val_losses)
