package data

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/mltf/mltf/lang/schema"
)

// columnStatsType is one column's entry in the statistics attribute.
var columnStatsType = cty.Object(map[string]cty.Type{
	"type":      cty.String,
	"count":     cty.Number,
	"nulls":     cty.Number,
	"min":       cty.Number,
	"max":       cty.Number,
	"mean":      cty.Number,
	"stddev":    cty.Number,
	"quantiles": cty.Map(cty.Number),
	"top":       cty.List(topValueType),
})

var topValueType = cty.Object(map[string]cty.Type{"value": cty.String, "count": cty.Number})

var statisticsType = cty.Map(columnStatsType)

var columnDriftType = cty.Object(map[string]cty.Type{
	"psi":       cty.Number,
	"threshold": cty.Number,
	"verdict":   cty.String,
})

var driftReportType = cty.Object(map[string]cty.Type{
	"baseline_version": cty.Number,
	"verdict":          cty.String,
	"columns":          cty.Map(columnDriftType),
})

// computed are the attributes the provider sets.
var computed = []string{"fingerprint", "version", "object_count", "bytes", "row_count", "statistics", "drift_report", "path"}

func datasetSchema() *schema.Block {
	opt := func(t cty.Type, desc string) *schema.Attribute {
		return &schema.Attribute{Type: t, Optional: true, Description: desc}
	}
	out := func(t cty.Type, desc string) *schema.Attribute {
		return &schema.Attribute{Type: t, Computed: true, Description: desc}
	}
	column := schema.Block{
		Description: "A column of the data and the checks its values must pass.",
		Attributes: map[string]*schema.Attribute{
			"type":     {Type: cty.String, Required: true, Description: "int64, float64, string, bool or timestamp."},
			"nullable": opt(cty.Bool, "Whether the column may be null (an empty CSV field, a JSON null or missing key, a Parquet null). Default true."),
			"min":      opt(cty.Number, "Smallest allowed value (int64 and float64)."),
			"max":      opt(cty.Number, "Largest allowed value (int64 and float64)."),
			"values":   opt(cty.List(cty.String), "The allowed values; the column is categorical and gets top-value statistics."),
			"regex":    opt(cty.String, "A regular expression (Go RE2) every string value must match; anchor it with ^...$ to match whole values."),
			"unique":   opt(cty.Bool, "No two rows may hold the same value. Keeps about 17 bytes per distinct value within unique_memory, then temporary files."),
		},
	}
	return &schema.Block{
		Description: "A data source with a fingerprint, a schema contract, checks, statistics and drift against a baseline.",
		Attributes: map[string]*schema.Attribute{
			"source":              {Type: cty.String, Required: true, Description: "A local path or a blob URL (file://, mem://, s3://, gs://, azblob://) naming one object or a prefix of many."},
			"format":              {Type: cty.String, Optional: true, Computed: true, Description: "csv, parquet or jsonl; by default from the file extension."},
			"allow_extra_columns": opt(cty.Bool, "Accept columns the schema does not declare. Default false when a schema is declared."),
			"unique_memory":       opt(cty.String, "Memory the unique checks may use together before they spill to temporary files, such as \"512MB\" or \"2GiB\". Default \"128MiB\"."),

			"fingerprint":  out(cty.String, "SHA-256 of the objects' listing: keys, sizes and content identities."),
			"version":      out(cty.Number, "Starts at 1 and increases each time the fingerprint changes."),
			"object_count": out(cty.Number, "Number of objects."),
			"bytes":        out(cty.Number, "Total size of the objects."),
			"row_count":    out(cty.Number, "Number of data rows."),
			"statistics":   out(statisticsType, "Per column: type, count, nulls, min, max, mean, stddev, quantiles (p05, p25, p50, p75, p95) and top values."),
			"drift_report": out(driftReportType, "Population stability index per column against the baseline version; null for the first version."),
			"path":         out(cty.String, "Where a training opens the data: the local path for file sources, else the URL."),
		},
		Blocks: map[string]*schema.NestedBlock{
			"csv": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "CSV options.",
				Attributes: map[string]*schema.Attribute{
					"delimiter": opt(cty.String, "Field delimiter, one character. Default \",\"."),
					"header":    opt(cty.Bool, "Whether the first line names the columns. Default true; without a header the columns are named \"1\", \"2\"..."),
				},
			}},
			"schema": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "The columns the data must have.",
				Blocks: map[string]*schema.NestedBlock{
					"column": {Nesting: schema.NestingMap, Block: column},
				},
			}},
			"checks": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "Checks on the whole dataset.",
				Attributes: map[string]*schema.Attribute{
					"max_null_fraction": opt(cty.Number, "Largest share of nulls allowed in any column, from 0 to 1."),
					"freshness":         opt(cty.String, "Largest allowed age of the newest object, e.g. \"24h\" or \"7d\"."),
				},
				Blocks: map[string]*schema.NestedBlock{
					"row_count": {Nesting: schema.NestingSingle, Block: schema.Block{
						Attributes: map[string]*schema.Attribute{
							"min": opt(cty.Number, "Fewest rows allowed."),
							"max": opt(cty.Number, "Most rows allowed."),
						},
					}},
				},
			}},
			"drift": {Nesting: schema.NestingSingle, Block: schema.Block{
				Description: "Drift against a baseline version, by population stability index.",
				Attributes: map[string]*schema.Attribute{
					"baseline_version": opt(cty.Number, "Compare with this version instead of the previous one."),
					"threshold":        opt(cty.Number, "PSI above which a column drifted. Default 0.2."),
					"columns":          opt(cty.Map(cty.Number), "Thresholds of single columns, by name."),
					"on_drift":         opt(cty.String, "\"warn\" (default) or \"fail\"."),
				},
			}},
		},
	}
}
