package fhirpath

// funcDef describes one function: its argument count and implementation.
// typeArg marks functions whose single argument is a type name.
type funcDef struct {
	min, max int
	typeArg  bool
	fn       func(k *call) ([]Item, error)
}

// funcTable lists every supported function. It is read-only after package
// initialisation.
var funcTable = map[string]*funcDef{
	// existence
	"empty":      {0, 0, false, fnEmpty},
	"exists":     {0, 1, false, fnExists},
	"all":        {1, 1, false, fnAll},
	"allTrue":    {0, 0, false, boolsFn(func(t, f, n int) bool { return f == 0 })},
	"anyTrue":    {0, 0, false, boolsFn(func(t, f, n int) bool { return t > 0 })},
	"allFalse":   {0, 0, false, boolsFn(func(t, f, n int) bool { return t == 0 })},
	"anyFalse":   {0, 0, false, boolsFn(func(t, f, n int) bool { return f > 0 })},
	"subsetOf":   {1, 1, false, fnSubsetOf},
	"supersetOf": {1, 1, false, fnSupersetOf},
	"isDistinct": {0, 0, false, fnIsDistinct},
	"distinct":   {0, 0, false, fnDistinct},
	"count":      {0, 0, false, fnCount},
	"not":        {0, 0, false, fnNot},
	// filtering and projection
	"where":     {1, 1, false, fnWhere},
	"select":    {1, 1, false, fnSelect},
	"repeat":    {1, 1, false, fnRepeat},
	"ofType":    {1, 1, true, fnOfType},
	"as":        {1, 1, true, fnOfType},
	"is":        {1, 1, true, fnIs},
	"aggregate": {1, 2, false, fnAggregate},
	// subsetting
	"single":    {0, 0, false, fnSingle},
	"first":     {0, 0, false, func(k *call) ([]Item, error) { return sliceOf(k.in, 0, 1), nil }},
	"last":      {0, 0, false, func(k *call) ([]Item, error) { return sliceOf(k.in, len(k.in)-1, len(k.in)), nil }},
	"tail":      {0, 0, false, func(k *call) ([]Item, error) { return sliceOf(k.in, 1, len(k.in)), nil }},
	"skip":      {1, 1, false, fnSkip},
	"take":      {1, 1, false, fnTake},
	"intersect": {1, 1, false, fnIntersect},
	"exclude":   {1, 1, false, fnExclude},
	// combining
	"union":   {1, 1, false, fnUnion},
	"combine": {1, 1, false, fnCombine},
	// conversion
	"iif":                {2, 3, false, fnIif},
	"toBoolean":          {0, 0, false, convertFn(toBoolean, false)},
	"convertsToBoolean":  {0, 0, false, convertFn(toBoolean, true)},
	"toInteger":          {0, 0, false, convertFn(toInteger, false)},
	"convertsToInteger":  {0, 0, false, convertFn(toInteger, true)},
	"toDecimal":          {0, 0, false, convertFn(toDecimalValue, false)},
	"convertsToDecimal":  {0, 0, false, convertFn(toDecimalValue, true)},
	"toString":           {0, 0, false, convertFn(toStringValue, false)},
	"convertsToString":   {0, 0, false, convertFn(toStringValue, true)},
	"toDate":             {0, 0, false, convertFn(temporalConv(KindDate), false)},
	"convertsToDate":     {0, 0, false, convertFn(temporalConv(KindDate), true)},
	"toDateTime":         {0, 0, false, convertFn(temporalConv(KindDateTime), false)},
	"convertsToDateTime": {0, 0, false, convertFn(temporalConv(KindDateTime), true)},
	"toTime":             {0, 0, false, convertFn(temporalConv(KindTime), false)},
	"convertsToTime":     {0, 0, false, convertFn(temporalConv(KindTime), true)},
	"toQuantity":         {0, 1, false, fnToQuantity(false)},
	"convertsToQuantity": {0, 1, false, fnToQuantity(true)},
	// strings
	"indexOf":        {1, 1, false, fnIndexOf},
	"substring":      {1, 2, false, fnSubstring},
	"startsWith":     {1, 1, false, strPredicate(func(s, a string) bool { return len(s) >= len(a) && s[:len(a)] == a })},
	"endsWith":       {1, 1, false, strPredicate(func(s, a string) bool { return len(s) >= len(a) && s[len(s)-len(a):] == a })},
	"contains":       {1, 1, false, strPredicate(containsStr)},
	"upper":          {0, 0, false, strMap(upper)},
	"lower":          {0, 0, false, strMap(lower)},
	"replace":        {2, 2, false, fnReplace},
	"matches":        {1, 1, false, fnMatches},
	"replaceMatches": {2, 2, false, fnReplaceMatches},
	"length":         {0, 0, false, fnLength},
	"toChars":        {0, 0, false, fnToChars},
	"trim":           {0, 0, false, strMap(trim)},
	"split":          {1, 1, false, fnSplit},
	"join":           {0, 1, false, fnJoin},
	// math
	"abs":      {0, 0, false, mathFn("abs")},
	"ceiling":  {0, 0, false, mathFn("ceiling")},
	"floor":    {0, 0, false, mathFn("floor")},
	"truncate": {0, 0, false, mathFn("truncate")},
	"exp":      {0, 0, false, mathFn("exp")},
	"ln":       {0, 0, false, mathFn("ln")},
	"sqrt":     {0, 0, false, mathFn("sqrt")},
	"log":      {1, 1, false, fnLog},
	"power":    {1, 1, false, fnPower},
	"round":    {0, 1, false, fnRound},
	// tree navigation and utilities
	"children":    {0, 0, false, fnChildren},
	"descendants": {0, 0, false, fnDescendants},
	"trace":       {1, 2, false, fnTrace},
	"now":         {0, 0, false, fnNow(KindDateTime)},
	"today":       {0, 0, false, fnNow(KindDate)},
	"timeOfDay":   {0, 0, false, fnNow(KindTime)},
	"type":        {0, 0, false, fnType},
	// FHIR additions
	"extension":    {1, 1, false, fnExtension},
	"hasValue":     {0, 0, false, fnHasValue},
	"getValue":     {0, 0, false, fnGetValue},
	"resolve":      {0, 0, false, fnResolve},
	"memberOf":     {1, 1, false, fnUnknown},
	"subsumes":     {1, 1, false, fnUnknown},
	"subsumedBy":   {1, 1, false, fnUnknown},
	"conformsTo":   {1, 1, false, fnUnknown},
	"htmlChecks":   {0, 0, false, func(k *call) ([]Item, error) { return boolItems(true), nil }},
	"hasExtension": {1, 1, false, fnHasExtension},
}

// single returns the only input item; ok is false for an empty input and an
// error is returned for more than one.
func (k *call) single() (Item, bool, error) {
	switch len(k.in) {
	case 0:
		return Item{}, false, nil
	case 1:
		return k.in[0], true, nil
	}
	return Item{}, false, k.errf("%s() needs a single input item, got %d", k.n.name, len(k.in))
}

// argInt evaluates argument i as a single Integer.
func (k *call) argInt(i int) (int64, bool, error) {
	xs, err := k.arg(i)
	if err != nil || len(xs) == 0 {
		return 0, false, err
	}
	n, ok := singletonInt(xs)
	if !ok {
		return 0, false, k.errf("%s() argument %d must be a single integer", k.n.name, i+1)
	}
	return n, true, nil
}

// argString evaluates argument i as a single String.
func (k *call) argString(i int) (string, bool, error) {
	xs, err := k.arg(i)
	if err != nil || len(xs) == 0 {
		return "", false, err
	}
	if len(xs) > 1 {
		return "", false, k.errf("%s() argument %d must be a single string", k.n.name, i+1)
	}
	v, _ := xs[0].Value()
	s, ok := v.(string)
	if !ok {
		return "", false, k.errf("%s() argument %d must be a string, got %s", k.n.name, i+1, xs[0].TypeName())
	}
	return s, true, nil
}

// test evaluates a criteria argument for one item: true only for a known true.
//
// A condition's value is read before the next item's is evaluated, so one
// context serves every item of the call (where() over a Patient's
// telecoms made three allocations an item).
func (k *call) test(i int, it Item, idx int) (bool, error) {
	if k.tc == nil {
		k.tc = k.c.withThis(it, idx)
	} else {
		k.tc.this[0], k.tc.index = it, int64(idx)
	}
	r, err := k.n.args[i].eval(k.tc, k.tc.this)
	if err != nil {
		return false, err
	}
	v, known, err := boolOf(k.c, k.n.pos, r)
	return known && v, err
}

func sliceOf(xs []Item, from, to int) []Item {
	from = max(from, 0)
	to = min(to, len(xs))
	if from >= to {
		return nil
	}
	return xs[from:to]
}

func fnUnknown(*call) ([]Item, error) { return nil, nil }
