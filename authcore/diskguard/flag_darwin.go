package diskguard

// readOnlyFlag is MNT_RDONLY in statfs's f_flags.
const readOnlyFlag = 0x1
