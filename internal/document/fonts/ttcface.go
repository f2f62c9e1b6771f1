//go:build ignore

// ttcface copies one face of a TrueType collection (.ttc) into a TrueType
// font file (.ttf), which fpdf can embed. It made wqy-microhei.ttf:
//
//	go run ttcface.go /usr/share/fonts/truetype/wqy/wqy-microhei.ttc 0 wqy-microhei.ttf
//
// (Debian's fonts-wqy-microhei). The tables are copied unchanged; only
// their offsets and the head table's checksum adjustment are rewritten.
package main

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: go run ttcface.go IN.ttc FACE OUT.ttf")
	}
	in, err := os.ReadFile(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	face, err := strconv.Atoi(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	out, err := extract(in, face)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(os.Args[3], out, 0o644); err != nil {
		log.Fatal(err)
	}
}

type table struct {
	tag            [4]byte
	offset, length uint32
}

func extract(ttc []byte, face int) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, fmt.Errorf("not a TrueType collection")
	}
	n := int(be.Uint32(ttc[8:]))
	if face < 0 || face >= n || len(ttc) < 12+4*n {
		return nil, fmt.Errorf("face %d: the collection has %d", face, n)
	}
	at := int(be.Uint32(ttc[12+4*face:]))
	if len(ttc) < at+12 {
		return nil, fmt.Errorf("face %d: offset table out of range", face)
	}
	head := ttc[at : at+12] // sfnt version, table count, search fields
	count := int(be.Uint16(head[4:]))
	var tables []table
	for i := range count {
		rec := ttc[at+12+16*i:]
		var t table
		copy(t.tag[:], rec[:4])
		t.offset, t.length = be.Uint32(rec[8:]), be.Uint32(rec[12:])
		if int(t.offset)+int(t.length) > len(ttc) {
			return nil, fmt.Errorf("table %s out of range", t.tag)
		}
		tables = append(tables, t)
	}
	sort.Slice(tables, func(i, j int) bool { return string(tables[i].tag[:]) < string(tables[j].tag[:]) })
	out := append([]byte{}, head...)
	dir := len(out)
	out = append(out, make([]byte, 16*count)...)
	headAt := -1
	for i, t := range tables {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		start := len(out)
		out = append(out, ttc[t.offset:t.offset+t.length]...)
		if string(t.tag[:]) == "head" {
			headAt = start
			be.PutUint32(out[start+8:], 0) // checkSumAdjustment, set below
		}
		rec := out[dir+16*i:]
		copy(rec, t.tag[:])
		be.PutUint32(rec[4:], checksum(out[start:]))
		be.PutUint32(rec[8:], uint32(start))
		be.PutUint32(rec[12:], t.length)
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	if headAt < 0 {
		return nil, fmt.Errorf("no head table")
	}
	be.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out, nil
}

// checksum is the OpenType table checksum: the sum of big-endian uint32s,
// the last one padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
