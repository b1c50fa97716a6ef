cluster "dev" {
  pool "cpu" { slots = 1 }
}
pipeline "p" {
  pool = cluster.dev.pool.cpu
  step "clean" {
    code       = "./steps"
    code_files = ["{clean.py"] # ERROR: Invalid code_files pattern
    command    = [] # ERROR: Empty command
    outputs    = ["../clean.csv"] # ERROR: Invalid output
  }
  schedule {
    cron = "0 3 * *" # ERROR: Invalid schedule
  }
}
