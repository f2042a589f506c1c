package station

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// rules1 is the schema 1 layout, which stations stored before the refund
// rules were reworked: templates chosen by "match" keywords (single
// characters included) and a flat deduction per missing part.
type rules1 struct {
	Version      int              `json:"version"`
	Grades       []GradeDef       `json:"grades"`
	Dispositions []DispositionDef `json:"dispositions"`
	Findings     []FindingDef     `json:"findings"`
	Categories   []category1      `json:"categories"`
	Refund       struct {
		IntactGrades   []string `json:"intact_grades"`
		MissingPartPct int      `json:"missing_part_pct"`
		MaxDeductPct   int      `json:"max_deduct_pct"`
	} `json:"refund"`
	Hold HoldRules `json:"hold"`
}

type category1 struct {
	Category
	Match []string `json:"match,omitempty"`
}

// builtIn1 is the SHA-256 of the schema 1 built-in document (version and an
// empty hold section removed, keys sorted): a station that never edited its rules gets today's
// built-in rules whole.
const builtIn1 = "9cfaf6d50f810f3c74e17aba75ecf03057b95f23e8e3cc85f53492d03b277e41"

// canonicalHash hashes a JSON document without its version, keys sorted.
func canonicalHash(data []byte) string {
	var doc map[string]any
	if json.Unmarshal(data, &doc) != nil {
		return ""
	}
	delete(doc, "version")
	if h, ok := doc["hold"].(map[string]any); ok && len(h) == 0 {
		delete(doc, "hold") // stored by a station whose rules had an empty hold section
	}
	raw, _ := json.Marshal(doc)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// migrateRules1 turns a schema 1 document into schema 2. An untouched
// built-in document becomes today's built-in one (keeping its version).
// An edited one keeps every edit — grades, dispositions, finding names,
// templates, questions, rules, windows — and gains what schema 2 needs: the
// finding classes (seller fault, customer damage, missing items) of the
// built-in findings, the new findings and templates, the category map, the
// legal bases and the warehouse zone. Its "match" keywords become words,
// without the single characters that sent 面包 to apparel; its flat
// per-part deduction is dropped (a missing part of unknown value now
// escalates).
func migrateRules1(data []byte, strict bool) (*RuleSet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	var old rules1
	if err := dec.Decode(&old); err != nil {
		return nil, &Error{Code: EInvalid, Message: "the rule document (schema 1) is not valid JSON", Fields: []FieldError{{Field: "body", Detail: err.Error()}}}
	}
	def := DefaultRules()
	if canonicalHash(data) == builtIn1 {
		def.Version = old.Version
		return def, nil
	}
	rs := &RuleSet{Schema: RulesSchema, Version: old.Version, TimeZone: def.TimeZone, Grades: old.Grades,
		Dispositions: old.Dispositions, Hold: old.Hold, Bases: def.Bases, CategoryMap: map[string]string{}}
	for _, d := range def.Dispositions {
		if !rs.HasDisposition(d.Code) {
			rs.Dispositions = append(rs.Dispositions, d)
		}
	}
	have := map[string]bool{}
	for _, f := range old.Findings {
		for _, d := range def.Findings {
			if d.Code == f.Code {
				f.Defect, f.NotIntact, f.Escalate, f.SellerFault, f.CustomerDamage, f.Missing = d.Defect, d.NotIntact, d.Escalate, d.SellerFault, d.CustomerDamage, d.Missing
			}
		}
		have[f.Code] = true
		rs.Findings = append(rs.Findings, f)
	}
	for _, d := range def.Findings {
		if !have[d.Code] {
			rs.Findings = append(rs.Findings, d)
		}
	}
	rs.Refund.IntactGrades = old.Refund.IntactGrades
	defCat := map[string]*Category{}
	for i := range def.Categories {
		defCat[def.Categories[i].ID] = &def.Categories[i]
	}
	// Built-in templates claim their words first; an edited template of the
	// same id takes the built-in words, a supervisor's own template keeps its
	// keywords of two or more characters that no other template claims.
	taken := map[string]bool{}
	for _, c := range old.Categories {
		if d := defCat[c.ID]; d != nil {
			for _, w := range d.Words {
				taken[w] = true
			}
		}
	}
	ids := map[string]bool{}
	for _, c := range old.Categories {
		cat := c.Category
		ids[cat.ID] = true
		if d := defCat[cat.ID]; d != nil {
			cat.Words = d.Words
		} else {
			cat.Words = nil
			for _, w := range c.Match {
				w = strings.ToLower(strings.TrimSpace(w))
				if utf8.RuneCountInString(w) >= 2 && !taken[w] {
					taken[w] = true
					cat.Words = append(cat.Words, w)
				}
			}
		}
		rs.Categories = append(rs.Categories, cat)
	}
	for _, d := range def.Categories {
		if !ids[d.ID] {
			ids[d.ID] = true
			rs.Categories = append(rs.Categories, d)
		}
	}
	for k, v := range def.CategoryMap {
		if ids[v] {
			rs.CategoryMap[k] = v
		}
	}
	// An edited template keeps its own dispositions; grades it does not map
	// (none in the built-in scale) stay as they were.
	return rs, nil
}
