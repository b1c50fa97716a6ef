dataset "ftp" {
  source = "ftp://example.com/rows.csv" # ERROR: Invalid dataset source | unsupported scheme "ftp"
  format = "csv"
}

dataset "no_bucket" {
  source = "s3:///rows.csv" # ERROR: Invalid dataset source | names no bucket
  format = "csv"
}

dataset "local" {
  source = "data/rows.csv"
  format = "csv"
}
