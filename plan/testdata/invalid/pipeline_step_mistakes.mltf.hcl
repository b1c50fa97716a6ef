cluster "dev" {
  pool "cpu" { slots = 1 }
}
pipeline "p" {
  pool = cluster.dev.pool.cpu
  step "clean" {
    code    = "./steps"
    command = [] # ERROR: Empty command
    outputs = ["../clean.csv"] # ERROR: Invalid output
  }
  schedule {
    cron = "0 3 * *" # ERROR: Invalid schedule
  }
}
