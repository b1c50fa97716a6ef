package plugin

import (
	"fmt"
	"sort"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/mltf/mltf/lang/schema"
	"github.com/mltf/mltf/providers"
	"github.com/mltf/mltf/providers/plugin/pluginpb"
)

func blockToProto(b *schema.Block) (*pluginpb.Schema_Block, error) {
	if b == nil {
		return nil, nil
	}
	ret := &pluginpb.Schema_Block{Description: b.Description}
	for _, name := range b.AttributeNames() {
		a := b.Attributes[name]
		if a == nil {
			return nil, fmt.Errorf("attribute %q has no schema", name)
		}
		ty, err := ctyjson.MarshalType(a.Type)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		ret.Attributes = append(ret.Attributes, &pluginpb.Schema_Attribute{
			Name:        name,
			Type:        ty,
			Description: a.Description,
			Required:    a.Required,
			Optional:    a.Optional,
			Computed:    a.Computed,
			Sensitive:   a.Sensitive,
			Expression:  a.Expression,
		})
	}
	names := make([]string, 0, len(b.Blocks))
	for name := range b.Blocks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		nb := b.Blocks[name]
		if nb == nil {
			return nil, fmt.Errorf("block %q has no schema", name)
		}
		inner, err := blockToProto(&nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", name, err)
		}
		var nesting pluginpb.Schema_NestedBlock_Nesting
		switch nb.Nesting {
		case schema.NestingSingle:
			nesting = pluginpb.Schema_NestedBlock_SINGLE
		case schema.NestingList:
			nesting = pluginpb.Schema_NestedBlock_LIST
		case schema.NestingMap:
			nesting = pluginpb.Schema_NestedBlock_MAP
		default:
			return nil, fmt.Errorf("block %q: unknown nesting mode %d", name, nb.Nesting)
		}
		ret.BlockTypes = append(ret.BlockTypes, &pluginpb.Schema_NestedBlock{
			TypeName: name,
			Block:    inner,
			Nesting:  nesting,
			MinItems: int64(nb.MinItems),
			MaxItems: int64(nb.MaxItems),
		})
	}
	return ret, nil
}

func blockFromProto(b *pluginpb.Schema_Block) (*schema.Block, error) {
	if b == nil {
		return nil, nil
	}
	ret := &schema.Block{Description: b.GetDescription()}
	if len(b.Attributes) > 0 {
		ret.Attributes = make(map[string]*schema.Attribute, len(b.Attributes))
	}
	for _, a := range b.Attributes {
		ty, err := ctyjson.UnmarshalType(a.GetType())
		if err != nil {
			return nil, fmt.Errorf("attribute %q: invalid type %s: %w", a.GetName(), a.GetType(), err)
		}
		ret.Attributes[a.GetName()] = &schema.Attribute{
			Type:        ty,
			Description: a.GetDescription(),
			Required:    a.GetRequired(),
			Optional:    a.GetOptional(),
			Computed:    a.GetComputed(),
			Sensitive:   a.GetSensitive(),
			Expression:  a.GetExpression(),
		}
	}
	if len(b.BlockTypes) > 0 {
		ret.Blocks = make(map[string]*schema.NestedBlock, len(b.BlockTypes))
	}
	for _, nb := range b.BlockTypes {
		inner, err := blockFromProto(nb.GetBlock())
		if err != nil {
			return nil, fmt.Errorf("block %q: %w", nb.GetTypeName(), err)
		}
		if inner == nil {
			inner = &schema.Block{}
		}
		var nesting schema.Nesting
		switch nb.GetNesting() {
		case pluginpb.Schema_NestedBlock_SINGLE:
			nesting = schema.NestingSingle
		case pluginpb.Schema_NestedBlock_LIST:
			nesting = schema.NestingList
		case pluginpb.Schema_NestedBlock_MAP:
			nesting = schema.NestingMap
		default:
			return nil, fmt.Errorf("block %q: unknown nesting mode %v", nb.GetTypeName(), nb.GetNesting())
		}
		ret.Blocks[nb.GetTypeName()] = &schema.NestedBlock{
			Block:    *inner,
			Nesting:  nesting,
			MinItems: int(nb.GetMinItems()),
			MaxItems: int(nb.GetMaxItems()),
		}
	}
	return ret, nil
}

func schemaToProto(r providers.GetSchemaResponse) (*pluginpb.GetSchema_Response, error) {
	ret := &pluginpb.GetSchema_Response{Diagnostics: diagsToProto(r.Diagnostics)}
	var err error
	if ret.Provider, err = blockToProto(r.Provider); err != nil {
		return nil, fmt.Errorf("provider block: %w", err)
	}
	if len(r.Kinds) > 0 {
		ret.Kinds = make(map[string]*pluginpb.Kind, len(r.Kinds))
	}
	for name, k := range r.Kinds {
		b, err := blockToProto(k.Block)
		if err != nil {
			return nil, fmt.Errorf("kind %q: %w", name, err)
		}
		ret.Kinds[name] = &pluginpb.Kind{Block: b, Version: k.Version, Importable: k.Importable, LongRunning: k.LongRunning}
	}
	return ret, nil
}

func schemaFromProto(r *pluginpb.GetSchema_Response) (providers.GetSchemaResponse, error) {
	ret := providers.GetSchemaResponse{Diagnostics: diagsFromProto(r.GetDiagnostics())}
	var err error
	if ret.Provider, err = blockFromProto(r.GetProvider()); err != nil {
		return ret, fmt.Errorf("provider block: %w", err)
	}
	if len(r.GetKinds()) > 0 {
		ret.Kinds = make(map[string]providers.Kind, len(r.GetKinds()))
	}
	for name, k := range r.GetKinds() {
		b, err := blockFromProto(k.GetBlock())
		if err != nil {
			return ret, fmt.Errorf("kind %q: %w", name, err)
		}
		if b == nil {
			b = &schema.Block{}
		}
		ret.Kinds[name] = providers.Kind{Block: b, Version: k.GetVersion(), Importable: k.GetImportable(), LongRunning: k.GetLongRunning()}
	}
	return ret, nil
}
