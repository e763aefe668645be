package sqlite

func SetPageSize(n int) { pageSize = n }

// IDRanges exposes idRanges to the tests.
var IDRanges = idRanges

func SetRowsPerInsert(n int) { rowsPerInsert = n }
