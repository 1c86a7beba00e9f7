package io.biowerk.dr.redis;

/**
 * One key as {@link RdbParser} meets it in an RDB stream.
 *
 * @param db the database number
 * @param key the key's name
 * @param type the RDB value type byte ({@link Rdb#typeName(int)} names it)
 * @param expireAtMs absolute expiry in Unix milliseconds, or -1 for none
 * @param idleSeconds LRU idle time from an {@code IDLE} record, or -1
 * @param freq LFU counter from a {@code FREQ} record, or -1
 * @param payload when the visitor asked for payloads: the key's {@code DUMP} payload (type byte,
 *     value bytes, RDB version little-endian, CRC-64 little-endian) in {@code payload[0,
 *     payloadLength)}; the array is reused for the next key, so copy what must outlive the
 *     callback. Otherwise {@code null}.
 * @param payloadLength the payload's length, or 0
 */
// ArrayRecordComponent: key and payload are the parser's bytes handed on without a copy; keys are
// never compared with equals.
@SuppressWarnings("ArrayRecordComponent")
public record RdbKey(
    int db,
    byte[] key,
    int type,
    long expireAtMs,
    long idleSeconds,
    int freq,
    byte[] payload,
    int payloadLength) {}
