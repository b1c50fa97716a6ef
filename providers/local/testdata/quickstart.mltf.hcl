# The training of examples/quickstart, shortened or lengthened by var.epochs.
pool    = var.pool
code    = "src"
command = [var.python, "train.py"]
data    = { train = "file://data/digits.csv" }
params  = { epochs = var.epochs, lr = 0.05 }

distributed {
  procs_per_node = 2
  backend        = "auto"
}
checkpoint {
  every = "1s"
  keep  = 2
}
retry {
  infrastructure = 2
  user_error     = 0
}
hang_timeout = "120s"
