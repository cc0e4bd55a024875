"""Pure judgement: facts + rule config + time -> verdict. No I/O in this package."""
