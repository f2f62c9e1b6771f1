// Command shencha runs the cybersecurity review platform. See `shencha help`.
package main

import (
	"os"

	"shencha/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
