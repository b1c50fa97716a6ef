// Command mltf-provider-data is the data provider that ships with mltf:
// datasets, their validation and statistics (see docs/datasets.md). mltf
// starts it as a plugin from beside its own executable; it is an
// executable of its own because it links what reads Parquet and the
// object stores, which the mltf command need not load in every run.
package main

import (
	"github.com/mltf/mltf/providers/data"
	"github.com/mltf/mltf/providers/plugin"
)

func main() { plugin.Main("data", data.New()) }
