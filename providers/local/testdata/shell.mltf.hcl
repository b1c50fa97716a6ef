# A training whose ranks run a shell script: fast tests of the launcher's
# behaviour through the provider.
pool    = var.pool
code    = "code"
command = ["/bin/sh", "-c", var.script]
params  = { x = var.x }

distributed {
  procs_per_node = var.procs
}
checkpoint {
  every = "1s"
}
retry {
  infrastructure = 1
  user_error     = var.user_error
}
hang_timeout = var.hang
