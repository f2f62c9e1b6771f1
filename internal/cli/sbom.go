package cli

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"shencha/internal/sbom"
	"shencha/internal/scan"
	"shencha/internal/vuln"
)

const sbomUsage = `usage: shencha sbom scan FILE --osv DIR [--vex FILE] [--format table|json] [--fail-on-affected]
  FILE  a CycloneDX (JSON or XML) or SPDX (JSON or tag-value) document, or - for stdin
  DIR   OSV advisories: <Ecosystem>/all.zip files (osv-scanner's offline layout), JSON records, or one all.zip
Runs offline, with the same matcher as the server.
       shencha sbom self
  prints a CycloneDX SBOM of this binary's own Go modules and standard library (its build information)`

// sbomCmd scans an SBOM against a local advisory set without a server, or
// describes the binary's own modules.
func sbomCmd(args []string, in io.Reader, out io.Writer) error {
	if len(args) == 1 && args[0] == "self" {
		bi, ok := debug.ReadBuildInfo()
		if !ok {
			return errors.New("sbom self: this binary carries no build information")
		}
		b, err := selfSBOM(bi, time.Now())
		if err != nil {
			return err
		}
		_, err = out.Write(append(b, '\n'))
		return err
	}
	if len(args) == 0 || args[0] != "scan" {
		return errors.New(sbomUsage)
	}
	fs := flag.NewFlagSet("sbom scan", flag.ContinueOnError)
	osv := fs.String("osv", "", "OSV advisories: a directory or an all.zip")
	vexFile := fs.String("vex", "", "a VEX document to apply (CycloneDX or OpenVEX)")
	format := fs.String("format", "table", "output: table or json")
	failAffected := fs.Bool("fail-on-affected", false, "exit 1 when a finding is not suppressed by a VEX statement (for CI)")
	// Accept the file before or after the flags.
	var file string
	rest := args[1:]
	if len(rest) > 0 && (rest[0] == "-" || rest[0] != "" && rest[0][0] != '-') {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *osv == "" || (*format != "table" && *format != "json") {
		return errors.New(sbomUsage)
	}
	doc, err := readSBOM(file, in)
	if err != nil {
		return err
	}
	recs, stats, err := importFor(doc, *osv)
	if err != nil {
		return err
	}
	for reason, n := range stats.Skipped {
		if n > 0 {
			fmt.Fprintf(os.Stderr, "advisories skipped (%s): %d\n", reason, n)
		}
	}
	var vex []sbom.Statement
	if *vexFile != "" {
		f, err := os.Open(*vexFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if vex, err = sbom.ParseVEX(f, sbom.DefaultLimits); err != nil {
			return fmt.Errorf("%s: %w", *vexFile, err)
		}
	}
	rep := scan.Run(doc, vuln.NewDB(recs), vex)
	rep.AdvisoriesSkipped = stats.Unneeded
	bw := bufio.NewWriterSize(out, 64<<10)
	if *format == "json" {
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteTable(bw)
	}
	if err := cmp.Or(err, bw.Flush()); err != nil {
		return err
	}
	if *failAffected && rep.Affected > 0 {
		return fmt.Errorf("%d findings are not suppressed by a VEX statement", rep.Affected)
	}
	return nil
}

func readSBOM(file string, in io.Reader) (*sbom.Document, error) {
	r := in
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	doc, err := sbom.Parse(r, sbom.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc, nil
}

// advisoriesCmd imports OSV advisories into the database; a running
// server picks them up and flags listed versions they newly affect.
func advisoriesCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 || args[0] != "import" {
		return errors.New("usage: shencha advisories import PATH [--data-dir DIR | --db DSN]   (PATH: a directory of <Ecosystem>/all.zip or JSON records, or one all.zip)")
	}
	path := args[1]
	fs := flag.NewFlagSet("advisories import", flag.ContinueOnError)
	var dbf dbFlags
	dbf.add(fs)
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	recs, stats, err := vuln.Import(path, vuln.DefaultLimits)
	if err != nil {
		return err
	}
	s, err := dbf.openCurrent(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	imp, err := s.ImportAdvisories(ctx, operator(), path, recs, stats)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "imported %d advisories (%d new, %d changed, skipped %v); advisory set %s\n", imp.Records, imp.Added, imp.Changed, imp.Skipped, imp.Digest)
	return nil
}

// importFor reads the advisories an SBOM can match: only records that name
// one of its packages are parsed and, in osv-scanner's layout
// (<Ecosystem>/all.zip), only the zips of the ecosystems its purls name.
func importFor(doc *sbom.Document, path string) ([]vuln.Record, vuln.ImportStats, error) {
	var pkgs []vuln.Package
	ecos := map[string]bool{}
	for _, c := range doc.Components {
		if p, err := vuln.ParsePURL(c.PURL); err == nil {
			pkgs = append(pkgs, p)
			ecos[p.Ecosystem] = true
		}
	}
	var zips []string
	for eco := range ecos {
		for _, z := range []string{filepath.Join(path, eco, "all.zip"), filepath.Join(path, "osv-scanner", eco, "all.zip")} {
			if _, err := os.Stat(z); err == nil {
				zips = append(zips, z)
				break
			}
		}
	}
	if len(zips) == 0 || len(zips) != len(ecos) {
		return vuln.ImportFor(path, vuln.DefaultLimits, pkgs)
	}
	var all []vuln.Record
	total := vuln.ImportStats{Skipped: map[string]int{}}
	for _, z := range zips {
		recs, st, err := vuln.ImportFor(z, vuln.DefaultLimits, pkgs)
		if err != nil {
			return nil, total, err
		}
		all = append(all, recs...)
		for k, v := range st.Skipped {
			total.Skipped[k] += v
		}
		total.Unneeded += st.Unneeded
	}
	return all, total, nil
}
