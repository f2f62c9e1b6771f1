package vuln

import (
	"errors"
	"testing"
)

func TestParsePURL(t *testing.T) {
	for _, tc := range []struct {
		purl               string
		eco, name, version string
	}{
		{"pkg:golang/github.com/foo/bar/v2@v2.1.0", "Go", "github.com/foo/bar/v2", "v2.1.0"},
		{"pkg:golang/github.com/ProtonMail/go-crypto@v0.0.0-20210512092938-c05353c2d58c", "Go", "github.com/ProtonMail/go-crypto", "v0.0.0-20210512092938-c05353c2d58c"},
		{"pkg:golang/github.com/docker/docker@v20.10.8%2Bincompatible", "Go", "github.com/docker/docker", "v20.10.8+incompatible"},
		{"pkg:golang/github.com/docker/docker@v20.10.8+incompatible?type=module#sub/dir", "Go", "github.com/docker/docker", "v20.10.8+incompatible"},
		{"pkg:golang/stdlib@go1.21.3", "Go", "stdlib", "go1.21.3"},
		{"pkg:golang/gopkg.in/yaml.v3@v3.0.0-20200313102051-9f266ea9e77c", "Go", "gopkg.in/yaml.v3", "v3.0.0-20200313102051-9f266ea9e77c"},
		{"PKG:golang//github.com/%46oo/bar@v1.0.0", "Go", "github.com/Foo/bar", "v1.0.0"},
		{"pkg:cargo/openssl@0.10.48", "crates.io", "openssl", "0.10.48"},
		{"pkg:npm/lodash@4.17.21", "npm", "lodash", "4.17.21"},
		{"pkg:npm/%40angular/core@12.3.1", "npm", "@angular/core", "12.3.1"},
		{"pkg:npm/@babel/core@7.0.0", "npm", "@babel/core", "7.0.0"},
		{"pkg:pypi/Django_Rest.Framework@3.12.0", "PyPI", "django-rest-framework", "3.12.0"},
		{"pkg:pypi/zope.interface@5.0", "PyPI", "zope-interface", "5.0"},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"},
		{"pkg:maven/org.keycloak/keycloak-core@10.0.2?type=jar", "Maven", "org.keycloak:keycloak-core", "10.0.2"},
		{"pkg:gem/rails@6.0.0", "RubyGems", "rails", "6.0.0"},
		{"pkg:nuget/Newtonsoft.Json@12.0.1", "NuGet", "Newtonsoft.Json", "12.0.1"},
		{"pkg:composer/laravel/framework@7.12.0", "Packagist", "laravel/framework", "7.12.0"},
		{"pkg:hex/phoenix@1.5.0", "Hex", "phoenix", "1.5.0"},
		{"pkg:pub/http@0.13.0", "Pub", "http", "0.13.0"},
		{"pkg:hackage/aeson@2.0.0.0", "Hackage", "aeson", "2.0.0.0"},
		{"pkg:cran/ggplot2@3.3.0", "CRAN", "ggplot2", "3.3.0"},
		{"pkg:deb/debian/curl@7.74.0-1.3%2Bdeb11u1?arch=amd64&distro=debian-11", "Debian:11", "curl", "7.74.0-1.3+deb11u1"},
		{"pkg:deb/debian/curl@7.88.1-10?distro=bookworm", "Debian:12", "curl", "7.88.1-10"},
		{"pkg:deb/debian/curl@7.88.1-10?distro=12.4", "Debian:12", "curl", "7.88.1-10"},
		{"pkg:deb/debian/openssl@1.1.1n-0%2Bdeb10u3", "Debian", "openssl", "1.1.1n-0+deb10u3"},
		{"pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.4?distro=ubuntu-22.04", "Ubuntu:22.04", "curl", "7.81.0-1ubuntu1.4"},
		{"pkg:deb/ubuntu/curl@7.68.0-1ubuntu2?distro=focal", "Ubuntu:20.04", "curl", "7.68.0-1ubuntu2"},
		{"pkg:apk/alpine/curl@8.1.2-r0?arch=x86_64&distro=alpine-3.18.4", "Alpine:v3.18", "curl", "8.1.2-r0"},
		{"pkg:apk/alpine/curl@8.1.2-r0?distro=3.18", "Alpine:v3.18", "curl", "8.1.2-r0"},
		{"pkg:apk/alpine/curl@8.1.2-r0", "Alpine", "curl", "8.1.2-r0"},
		{"pkg:apk/wolfi/curl@8.1.2-r0", "Wolfi", "curl", "8.1.2-r0"},
		{"pkg:rpm/almalinux/openssl@3.0.7-24.el9?distro=almalinux-9.3&epoch=1", "AlmaLinux:9", "openssl", "1:3.0.7-24.el9"},
		{"pkg:rpm/rocky/openssl@3.0.7-24.el9", "Rocky Linux", "openssl", "3.0.7-24.el9"},
		{"pkg:rpm/redhat/openssl@3.0.7-24.el9?distro=rhel-9.3", "Red Hat", "openssl", "3.0.7-24.el9"},
		{"pkg:rpm/opensuse/curl@8.0.1-1.1", "openSUSE", "curl", "8.0.1-1.1"},
		{"pkg:github/package-url/purl-spec@244fd47e07d1004", "GIT", "https://github.com/package-url/purl-spec", "244fd47e07d1004"},
		{"pkg:cargo/serde", "crates.io", "serde", ""},
	} {
		t.Run(tc.purl, func(t *testing.T) {
			p, err := ParsePURL(tc.purl)
			if err != nil {
				t.Fatal(err)
			}
			if p.Ecosystem != tc.eco || p.Name != tc.name || p.Version != tc.version || p.PURL != tc.purl {
				t.Errorf("got %+v, want %s %q %q", p, tc.eco, tc.name, tc.version)
			}
		})
	}
}

func TestParsePURLErrors(t *testing.T) {
	for _, tc := range []struct {
		purl        string
		unsupported bool
	}{
		{"pkg:generic/huaxin/hx-9000@3.1.0", true},
		{"pkg:docker/library/nginx@1.25", true},
		{"pkg:swift/github.com/apple/swift-nio@2.41.0", true},
		{"pkg:deb/kali/curl@7.0", true},
		{"pkg:deb/debian/curl@7.0?distro=sid", true},
		{"pkg:apk/postmarketos/curl@8.0", true},
		{"pkg:apk/alpine/curl@8.0?distro=edge", true},
		{"pkg:rpm/fedora/curl@8.0", true},
		{"pkg:rpm/almalinux/curl@8.0?distro=el-nine", true},
		{"", false},
		{"curl@7.0", false},
		{"pkg:", false},
		{"pkg:golang", false},
		{"pkg:golang/", false},
		{"pkg:maven/log4j@1.2", false},
		{"pkg:github/purl-spec@1", false},
		{"pkg:npm/%zz@1", false},
		{"pkg:1abc/x@1", false},
	} {
		t.Run(tc.purl, func(t *testing.T) {
			p, err := ParsePURL(tc.purl)
			if err == nil {
				t.Fatalf("no error: %+v", p)
			}
			var u *UnsupportedError
			if errors.As(err, &u) != tc.unsupported || errors.Is(err, ErrUnsupported) != tc.unsupported {
				t.Errorf("err = %v (%T), unsupported = %v", err, err, tc.unsupported)
			}
		})
	}
}

// TestMatchPURL runs ParsePURL's output through Match: each ecosystem's
// naming reaches the records.
func TestMatchPURL(t *testing.T) {
	db := NewDB(mustRecords(t,
		rec("PYSEC-2099-0001", "PyPI", "Django-REST_framework", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.12.4"}]}]`),
		rec("GHSA-0000-0000-0001", "Maven", "org.apache.logging.log4j:log4j-core", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.0-beta9"},{"fixed":"2.15.0"}]}]`),
		rec("GHSA-0000-0000-0002", "NuGet", "Newtonsoft.Json", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"13.0.1"}]}]`),
		rec("GHSA-0000-0000-0003", "npm", "@angular/core", `"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"12.3.2"}]}]`),
		rec("GHSA-0000-0000-0004", "Packagist", "laravel/framework", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"7.0.0"},{"fixed":"7.30.3"}]}]`),
		rec("ALPINE-CVE-2099-0001", "Alpine:v3.18", "curl", `"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"8.2.0-r0"}]}]`),
		rec("GO-2099-0001", "Go", "github.com/ProtonMail/go-crypto", semver(`{"introduced":"0"},{"fixed":"0.0.0-20230124153114-0acdc8ae009b"}`)),
	))
	for purl, want := range map[string]string{
		"pkg:pypi/django-rest-framework@3.12.0":                                         "PYSEC-2099-0001",
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1":                          "GHSA-0000-0000-0001",
		"pkg:nuget/newtonsoft.json@12.0.1":                                              "GHSA-0000-0000-0002",
		"pkg:npm/%40angular/core@12.3.1":                                                "GHSA-0000-0000-0003",
		"pkg:composer/laravel/framework@7.12.0":                                         "GHSA-0000-0000-0004",
		"pkg:apk/alpine/curl@8.1.2-r0?distro=alpine-3.18.4":                             "ALPINE-CVE-2099-0001",
		"pkg:golang/github.com/ProtonMail/go-crypto@v0.0.0-20210512092938-c05353c2d58c": "GO-2099-0001",
		"pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0":                          "",
		"pkg:apk/alpine/curl@8.1.2-r0?distro=alpine-3.17":                               "",
	} {
		ms, err := db.MatchPURL(purl)
		if err != nil {
			t.Fatalf("%s: %v", purl, err)
		}
		if got := ""; len(ms) == 1 {
			got = ms[0].ID
			if got != want || ms[0].Package.PURL != purl {
				t.Errorf("%s: %+v, want %s", purl, ms[0], want)
			}
		} else if len(ms) != 0 || want != "" {
			t.Errorf("%s: %+v, want %q", purl, ms, want)
		}
	}
	if _, err := db.MatchPURL("pkg:github/package-url/purl-spec@244fd47e07d1004"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("github purl: err = %v, want unsupported (GIT is not evaluated)", err)
	}
	if _, err := db.MatchPURL("pkg:generic/x@1"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("generic purl: err = %v", err)
	}
	if _, err := db.MatchPURL("not a purl"); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("bad purl: err = %v", err)
	}
}

// TestPlainPURLs: where parsePlainPURL parses a purl, packageurl-go's
// general path gives the same package; tried on purls built from pieces
// that are and are not plain.
func TestPlainPURLs(t *testing.T) {
	prefixes := []string{"pkg:golang/", "pkg:cargo/", "PKG:golang/", "pkg:Golang/", "pkg://golang/", "pkg:npm/", "pkg:generic/", "pkg:golang", ""}
	paths := []string{"github.com/Foo/bar/v2", "stdlib", "gopkg.in/yaml.v3", "a/b", "a", "openssl-sys", "A_B~c.d-e", "",
		"/a", "a/", "a//b", "a/%46oo", "a b", "a/b?x", "a:b", "a@b", "a/../b", ".", "é/x", "K\u212a"}
	versions := []string{"v1.2.3", "0.10.48", "v20.10.8+incompatible", "go1.21.3", "v0.0.0-20210512092938-c05353c2d58c", "1.0.0~rc1", "",
		"v1%2B2", "1@2", "1?type=module", "1#sub", "1 2", "1:2", "V1"}
	plain := 0
	for _, pre := range prefixes {
		for _, path := range paths {
			for _, v := range versions {
				for _, s := range []string{pre + path + "@" + v, pre + path + v} {
					p, ok := parsePlainPURL(s)
					if !ok {
						continue
					}
					plain++
					q, err := parsePURL(s)
					if err != nil || q != p {
						t.Errorf("%q: plain %+v, general %+v, %v", s, p, q, err)
					}
				}
			}
		}
	}
	if plain < 100 {
		t.Errorf("only %d plain purls tried", plain)
	}
	for _, s := range []string{"pkg:golang/a%2Fb@v1", "pkg:golang/a/b@v1?type=module", "pkg:cargo/a@", "pkg:cargo/@1", "pkg:golang/a@v1@v2"} {
		if p, ok := parsePlainPURL(s); ok {
			t.Errorf("%q parsed as plain: %+v", s, p)
		}
	}
}
