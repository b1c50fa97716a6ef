lr     = 0.1
epochs = 20
layers = [64, 32]
