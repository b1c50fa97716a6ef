cluster "dev" {
  pool "cpu" { slots = 1 }
}
training "t" {
  pool    = cluster.dev.pool.cpu
  code    = "./src"
  command = ["python3", "train.py"]
  optimizer { # ERROR: Unsupported block type
  }
}
