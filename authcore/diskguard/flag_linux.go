package diskguard

// readOnlyFlag is ST_RDONLY in statfs's f_flags.
const readOnlyFlag = 0x1
