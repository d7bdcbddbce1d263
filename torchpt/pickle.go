package torchpt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
)

// The unpickler below understands the subset of Python's pickle machine that
// torch.save emits for tensors and plain containers. It never calls anything: the
// only "callables" are the few globals allowed by resolveGlobal, interpreted here.

// Python values produced by the unpickler. Containers are pointers so that memo
// references share them, as in Python.
type (
	pyNone   struct{}
	pyTuple  struct{ items []any }
	pyList   struct{ items []any }
	pyGlobal struct{ module, name string }
	pyDict   struct {
		ordered bool
		keys    []any // string, int64 or bool
		vals    []any
		index   map[any]int
	}
)

func newDict(ordered bool) *pyDict { return &pyDict{ordered: ordered, index: map[any]int{}} }

func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool:
	default:
		return fmt.Errorf("unsupported dict key type %s", typeName(k))
	}
	if i, ok := d.index[k]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[k] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

func (g pyGlobal) String() string { return g.module + "." + g.name }

// printable returns s, quoted if it holds anything but printable ASCII.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// typeName names a value's Python type for error messages.
func typeName(v any) string {
	switch v := v.(type) {
	case pyNone:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case *pyTuple:
		return "tuple"
	case *pyList:
		return "list"
	case *pyDict:
		if v.ordered {
			return "OrderedDict"
		}
		return "dict"
	case pyGlobal:
		return v.String()
	case *storageRef:
		return "storage"
	case *tensorRef:
		return "Tensor"
	}
	return fmt.Sprintf("%T", v)
}

// maxLine bounds the text arguments of GLOBAL (module and attribute names).
const maxLine = 256

// unpickler runs one pickle stream.
type unpickler struct {
	r     *bufio.Reader
	pos   int64 // bytes consumed from r
	limit int64 // bytes available to this stream
	stack []any
	marks []int
	memo  map[uint32]any
	// persistentLoad resolves BINPERSID ids (storages).
	persistentLoad func(pid any) (any, error)
	// reduce applies an allowed global to its arguments.
	reduce func(fn pyGlobal, args *pyTuple) (any, error)
}

func newUnpickler(r *bufio.Reader, limit int64) *unpickler {
	return &unpickler{r: r, limit: limit, memo: map[uint32]any{}}
}

var errTruncated = errors.New("truncated pickle")

func (u *unpickler) readByte() (byte, error) {
	if u.pos >= u.limit {
		return 0, errTruncated
	}
	b, err := u.r.ReadByte()
	if err != nil {
		return 0, errTruncated
	}
	u.pos++
	return b, nil
}

// read returns the next n bytes. n is checked against the stream length first, and
// large reads grow with the data actually present, so a corrupt length cannot make
// it allocate more than the input holds.
func (u *unpickler) read(n int64) ([]byte, error) {
	if n < 0 || n > u.limit-u.pos {
		return nil, errTruncated
	}
	var buf bytes.Buffer
	if n <= 1<<16 {
		buf.Grow(int(n))
	}
	m, err := io.CopyN(&buf, u.r, n)
	u.pos += m
	if err != nil {
		return nil, errTruncated
	}
	return buf.Bytes(), nil
}

func (u *unpickler) readUint(size int) (uint64, error) {
	b, err := u.read(int64(size))
	if err != nil {
		return 0, err
	}
	var x uint64
	for i := size - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x, nil
}

func (u *unpickler) readLine() (string, error) {
	var line []byte
	for {
		b, err := u.readByte()
		if err != nil {
			return "", err
		}
		if b == '\n' {
			return string(line), nil
		}
		if b < 0x20 || b > 0x7e || len(line) >= maxLine {
			return "", errors.New("bad GLOBAL name")
		}
		line = append(line, b)
	}
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, errors.New("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	v, err := u.pop()
	if err == nil {
		u.push(v)
	}
	return v, err
}

// popMark removes and returns the items pushed since the last MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) popN(n int) ([]any, error) {
	items := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return nil, err
		}
		items[i] = v
	}
	return items, nil
}

// load runs the stream up to STOP and returns the pickled object.
func (u *unpickler) load() (any, error) {
	for {
		at := u.pos
		op, err := u.readByte()
		if err != nil {
			return nil, fmt.Errorf("pickle offset %d: %w", at, err)
		}
		if op == opSTOP {
			v, err := u.pop()
			if err != nil {
				return nil, fmt.Errorf("pickle offset %d: STOP: %w", at, err)
			}
			return v, nil
		}
		if err := u.step(op); err != nil {
			return nil, fmt.Errorf("pickle offset %d: %w", at, err)
		}
	}
}

// Opcodes (pickletools names).
const (
	opMARK            = '('
	opSTOP            = '.'
	opPOP             = '0'
	opPOP_MARK        = '1'
	opDUP             = '2'
	opBININT          = 'J'
	opBININT1         = 'K'
	opBININT2         = 'M'
	opNONE            = 'N'
	opBINPERSID       = 'Q'
	opREDUCE          = 'R'
	opBINSTRING       = 'T'
	opSHORT_BINSTRING = 'U'
	opBINUNICODE      = 'X'
	opAPPEND          = 'a'
	opBUILD           = 'b'
	opGLOBAL          = 'c'
	opDICT            = 'd'
	opEMPTY_DICT      = '}'
	opAPPENDS         = 'e'
	opBINGET          = 'h'
	opLONG_BINGET     = 'j'
	opLIST            = 'l'
	opEMPTY_LIST      = ']'
	opBINPUT          = 'q'
	opLONG_BINPUT     = 'r'
	opSETITEM         = 's'
	opTUPLE           = 't'
	opEMPTY_TUPLE     = ')'
	opSETITEMS        = 'u'
	opBINFLOAT        = 'G'
	opPROTO           = 0x80
	opTUPLE1          = 0x85
	opTUPLE2          = 0x86
	opTUPLE3          = 0x87
	opNEWTRUE         = 0x88
	opNEWFALSE        = 0x89
	opLONG1           = 0x8a
	opLONG4           = 0x8b
	opBINBYTES        = 'B'
	opSHORT_BINBYTES  = 'C'
	opSHORT_BINUNI    = 0x8c
	opBINUNICODE8     = 0x8d
	opBINBYTES8       = 0x8e
	opSTACK_GLOBAL    = 0x93
	opMEMOIZE         = 0x94
	opFRAME           = 0x95
)

// refusedNames names the opcodes the unpickler knows but does not run, so the error
// says what the file tried to do.
var refusedNames = map[byte]string{
	'I': "INT", 'L': "LONG", 'F': "FLOAT", 'S': "STRING", 'V': "UNICODE", 'P': "PERSID",
	'g': "GET", 'p': "PUT", 'i': "INST", 'o': "OBJ", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2",
	0x84: "EXT4", 0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
	0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
}

func refuseOpcode(op byte) error {
	if name, ok := refusedNames[op]; ok {
		return fmt.Errorf("refusing opcode %s (0x%02x)", name, op)
	}
	return fmt.Errorf("refusing unknown opcode 0x%02x", op)
}

// step runs one opcode other than STOP.
func (u *unpickler) step(op byte) error {
	switch op {
	case opPROTO:
		v, err := u.readByte()
		if err != nil {
			return err
		}
		if v > 5 {
			return fmt.Errorf("unsupported pickle protocol %d", v)
		}
	case opFRAME:
		n, err := u.readUint(8)
		if err != nil {
			return err
		}
		if n > uint64(u.limit-u.pos) {
			return errTruncated
		}
	case opMARK:
		u.marks = append(u.marks, len(u.stack))
	case opPOP:
		if len(u.marks) > 0 && len(u.stack) == u.marks[len(u.marks)-1] {
			u.marks = u.marks[:len(u.marks)-1] // popping a MARK, as Python does
			return nil
		}
		_, err := u.pop()
		return err
	case opPOP_MARK:
		_, err := u.popMark()
		return err
	case opDUP:
		v, err := u.top()
		if err != nil {
			return err
		}
		u.push(v)
	default:
		return u.stepValue(op)
	}
	return nil
}

// stepValue runs the opcodes that push atoms, build containers or touch the memo.
func (u *unpickler) stepValue(op byte) error {
	switch op {
	case opNONE:
		u.push(pyNone{})
	case opNEWTRUE:
		u.push(true)
	case opNEWFALSE:
		u.push(false)
	case opBININT, opBININT1, opBININT2:
		return u.pushInt(op)
	case opLONG1, opLONG4:
		return u.pushLong(op)
	case opBINFLOAT:
		x, err := u.read(8)
		if err != nil {
			return err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(x)))
	case opBINUNICODE, opSHORT_BINUNI, opBINUNICODE8, opBINSTRING, opSHORT_BINSTRING:
		return u.pushString(op)
	case opBINBYTES, opSHORT_BINBYTES, opBINBYTES8:
		return u.pushBytes(op)
	case opBINPUT, opLONG_BINPUT, opMEMOIZE, opBINGET, opLONG_BINGET:
		return u.memoOp(op)
	default:
		return u.stepContainer(op)
	}
	return nil
}

func (u *unpickler) pushInt(op byte) error {
	var size int
	switch op {
	case opBININT:
		size = 4
	case opBININT1:
		size = 1
	default:
		size = 2
	}
	x, err := u.readUint(size)
	if err != nil {
		return err
	}
	if op == opBININT {
		u.push(int64(int32(uint32(x))))
	} else {
		u.push(int64(x))
	}
	return nil
}

// maxLong bounds LONG4 payloads; torch files only use LONG1 (the legacy magic number).
const maxLong = 1 << 10

func (u *unpickler) pushLong(op byte) error {
	var n uint64
	var err error
	if op == opLONG1 {
		n, err = u.readUint(1)
	} else {
		n, err = u.readUint(4)
		if err == nil && n > maxLong {
			return fmt.Errorf("LONG4 of %d bytes is too long", n)
		}
	}
	if err != nil {
		return err
	}
	b, err := u.read(int64(n))
	if err != nil {
		return err
	}
	u.push(decodeLong(b))
	return nil
}

// decodeLong decodes a little-endian two's-complement integer: int64 when it fits,
// *big.Int otherwise.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var x uint64
		for i := len(b) - 1; i >= 0; i-- {
			x = x<<8 | uint64(b[i])
		}
		shift := uint(64 - 8*len(b))
		return int64(x<<shift) >> shift
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	x := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if x.IsInt64() {
		return x.Int64()
	}
	return x
}

func (u *unpickler) readSized(lenBytes int) ([]byte, error) {
	n, err := u.readUint(lenBytes)
	if err != nil {
		return nil, err
	}
	if n > uint64(u.limit-u.pos) {
		return nil, errTruncated
	}
	return u.read(int64(n))
}

func (u *unpickler) pushString(op byte) error {
	size := map[byte]int{opBINUNICODE: 4, opSHORT_BINUNI: 1, opBINUNICODE8: 8, opBINSTRING: 4, opSHORT_BINSTRING: 1}[op]
	b, err := u.readSized(size)
	if err != nil {
		return err
	}
	u.push(string(b))
	return nil
}

func (u *unpickler) pushBytes(op byte) error {
	size := map[byte]int{opBINBYTES: 4, opSHORT_BINBYTES: 1, opBINBYTES8: 8}[op]
	b, err := u.readSized(size)
	if err != nil {
		return err
	}
	u.push(b)
	return nil
}

func (u *unpickler) memoOp(op byte) error {
	var idx uint64
	var err error
	switch op {
	case opBINPUT, opBINGET:
		idx, err = u.readUint(1)
	case opLONG_BINPUT, opLONG_BINGET:
		idx, err = u.readUint(4)
	case opMEMOIZE:
		idx = uint64(len(u.memo))
	}
	if err != nil {
		return err
	}
	if op == opBINGET || op == opLONG_BINGET {
		v, ok := u.memo[uint32(idx)]
		if !ok {
			return fmt.Errorf("memo key %d not found", idx)
		}
		u.push(v)
		return nil
	}
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[uint32(idx)] = v
	return nil
}

// stepContainer runs the container, global and call opcodes.
func (u *unpickler) stepContainer(op byte) error {
	switch op {
	case opEMPTY_TUPLE:
		u.push(&pyTuple{})
	case opTUPLE1, opTUPLE2, opTUPLE3:
		items, err := u.popN(int(op-opTUPLE1) + 1)
		if err != nil {
			return err
		}
		u.push(&pyTuple{items: items})
	case opTUPLE:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(&pyTuple{items: items})
	case opEMPTY_LIST:
		u.push(&pyList{})
	case opLIST:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(&pyList{items: items})
	case opEMPTY_DICT:
		u.push(newDict(false))
	case opDICT:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d := newDict(false)
		if err := setItems(d, items); err != nil {
			return err
		}
		u.push(d)
	case opAPPEND, opAPPENDS:
		return u.appendOp(op)
	case opSETITEM, opSETITEMS:
		return u.setItemOp(op)
	case opGLOBAL, opSTACK_GLOBAL:
		return u.globalOp(op)
	case opREDUCE:
		return u.reduceOp()
	case opBUILD:
		return u.buildOp()
	case opBINPERSID:
		return u.persidOp()
	default:
		return refuseOpcode(op)
	}
	return nil
}

func setItems(d *pyDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of items for a dict")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// popItems pops the operands of APPEND/SETITEM (n values) or of APPENDS/SETITEMS (back
// to the mark), and returns them with the container they go into.
func (u *unpickler) popItems(single bool, n int) (items []any, target any, err error) {
	if single {
		items, err = u.popN(n)
	} else {
		items, err = u.popMark()
	}
	if err != nil {
		return nil, nil, err
	}
	target, err = u.top()
	return items, target, err
}

func (u *unpickler) appendOp(op byte) error {
	items, target, err := u.popItems(op == opAPPEND, 1)
	if err != nil {
		return err
	}
	l, ok := target.(*pyList)
	if !ok {
		return fmt.Errorf("APPEND to a %s", typeName(target))
	}
	l.items = append(l.items, items...)
	return nil
}

func (u *unpickler) setItemOp(op byte) error {
	items, target, err := u.popItems(op == opSETITEM, 2)
	if err != nil {
		return err
	}
	d, ok := target.(*pyDict)
	if !ok {
		return fmt.Errorf("SETITEM on a %s", typeName(target))
	}
	return setItems(d, items)
}

func (u *unpickler) globalOp(op byte) error {
	var g pyGlobal
	if op == opGLOBAL {
		mod, err := u.readLine()
		if err != nil {
			return err
		}
		name, err := u.readLine()
		if err != nil {
			return err
		}
		g = pyGlobal{mod, name}
	} else {
		items, err := u.popN(2)
		if err != nil {
			return err
		}
		mod, ok1 := items[0].(string)
		name, ok2 := items[1].(string)
		if !ok1 || !ok2 {
			return errors.New("STACK_GLOBAL needs two strings")
		}
		g = pyGlobal{mod, name}
	}
	if !allowedGlobal(g) {
		return fmt.Errorf("refusing global %s", printable(g.String()))
	}
	u.push(g)
	return nil
}

func (u *unpickler) reduceOp() error {
	items, err := u.popN(2)
	if err != nil {
		return err
	}
	fn, ok := items[0].(pyGlobal)
	if !ok {
		return fmt.Errorf("REDUCE: cannot call a %s", typeName(items[0]))
	}
	args, ok := items[1].(*pyTuple)
	if !ok {
		return fmt.Errorf("REDUCE %s: arguments are a %s, not a tuple", fn, typeName(items[1]))
	}
	if u.reduce == nil {
		return fmt.Errorf("refusing to call %s here", fn)
	}
	v, err := u.reduce(fn, args)
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	u.push(v)
	return nil
}

// buildOp accepts BUILD only where torch uses it for a state_dict: setting the
// _metadata attribute of an OrderedDict. The state is checked and dropped.
func (u *unpickler) buildOp() error {
	state, err := u.pop()
	if err != nil {
		return err
	}
	target, err := u.top()
	if err != nil {
		return err
	}
	d, ok := target.(*pyDict)
	if !ok || !d.ordered {
		return fmt.Errorf("refusing BUILD on a %s (only OrderedDict attributes are accepted)", typeName(target))
	}
	if _, ok := state.(*pyDict); !ok {
		return fmt.Errorf("refusing BUILD of an OrderedDict with a %s state", typeName(state))
	}
	return nil
}

func (u *unpickler) persidOp() error {
	pid, err := u.pop()
	if err != nil {
		return err
	}
	if u.persistentLoad == nil {
		return errors.New("refusing persistent id in this stream")
	}
	v, err := u.persistentLoad(pid)
	if err != nil {
		return err
	}
	u.push(v)
	return nil
}
