# Dataset blocks: values the provider refuses.
dataset "rows" {
  source = "ftp://host/rows.csv"
  format = "xlsx"
  schema {
    column "x" { type = "int128" }
  }
  drift {
    threshold = -1
  }
}
