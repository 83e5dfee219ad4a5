// The Messages module: payload types, ids and topics of DESIGN.md section 4.
