/** Frames captured between the ActiveMQ 5.17.2 Java client and broker (openwire.md 14, kahadb.md 10). */

/** Bytes from a hex dump: offsets (`0000`), ASCII columns and spacing are ignored. */
export function hex(dump: string): Uint8Array {
  const bytes: number[] = [];
  for (const line of dump.trim().split("\n")) {
    let body = line.trim();
    // "0000  00 01 ...  ascii" — drop an offset column and the ASCII column.
    const offset = /^[0-9a-fA-F]{4,6}\s{2}/.exec(body);
    if (offset) body = body.slice(offset[0].length);
    const asciiAt = body.search(/\s{2,}/);
    if (asciiAt >= 0) body = body.slice(0, asciiAt);
    for (const token of body.split(/\s+/)) if (token) bytes.push(parseInt(token, 16));
  }
  return new Uint8Array(bytes);
}

export const CLIENT_WIRE_FORMAT_INFO = hex(`
0000  00 00 01 64 01 41 63 74 69 76 65 4d 51 00 00 00  ...d.ActiveMQ...
0010  0c 01 00 00 01 52 00 00 00 0e 00 11 53 74 61 63  .....R......Stac
0020  6b 54 72 61 63 65 45 6e 61 62 6c 65 64 01 01 00  kTraceEnabled...
0030  0f 50 6c 61 74 66 6f 72 6d 44 65 74 61 69 6c 73  .PlatformDetails
0040  09 00 04 4a 61 76 61 00 0c 43 61 63 68 65 45 6e  ...Java..CacheEn
0050  61 62 6c 65 64 01 01 00 04 48 6f 73 74 09 00 09  abled....Host...
0060  31 32 37 2e 30 2e 30 2e 31 00 11 54 63 70 4e 6f  127.0.0.1..TcpNo
0070  44 65 6c 61 79 45 6e 61 62 6c 65 64 01 01 00 12  DelayEnabled....
0080  53 69 7a 65 50 72 65 66 69 78 44 69 73 61 62 6c  SizePrefixDisabl
0090  65 64 01 00 00 09 43 61 63 68 65 53 69 7a 65 05  ed....CacheSize.
00a0  00 00 04 00 00 0c 50 72 6f 76 69 64 65 72 4e 61  ......ProviderNa
00b0  6d 65 09 00 08 41 63 74 69 76 65 4d 51 00 14 54  me...ActiveMQ..T
00c0  69 67 68 74 45 6e 63 6f 64 69 6e 67 45 6e 61 62  ightEncodingEnab
00d0  6c 65 64 01 01 00 0c 4d 61 78 46 72 61 6d 65 53  led....MaxFrameS
00e0  69 7a 65 06 7f ff ff ff ff ff ff ff 00 15 4d 61  ize...........Ma
00f0  78 49 6e 61 63 74 69 76 69 74 79 44 75 72 61 74  xInactivityDurat
0100  69 6f 6e 06 00 00 00 00 00 00 75 30 00 20 4d 61  ion.......u0. Ma
0110  78 49 6e 61 63 74 69 76 69 74 79 44 75 72 61 74  xInactivityDurat
0120  69 6f 6e 49 6e 69 74 61 6c 44 65 6c 61 79 06 00  ionInitalDelay..
0130  00 00 00 00 00 27 10 00 13 4d 61 78 46 72 61 6d  .....'...MaxFram
0140  65 53 69 7a 65 45 6e 61 62 6c 65 64 01 01 00 0f  eSizeEnabled....
0150  50 72 6f 76 69 64 65 72 56 65 72 73 69 6f 6e 09  ProviderVersion.
0160  00 06 35 2e 31 37 2e 32                          ..5.17.2
`);

export const BROKER_WIRE_FORMAT_INFO = hex(`
0000  00 00 01 52 01 41 63 74 69 76 65 4d 51 00 00 00  ...R.ActiveMQ...
0010  0c 01 00 00 01 40 00 00 00 0d 00 11 53 74 61 63  .....@......Stac
0020  6b 54 72 61 63 65 45 6e 61 62 6c 65 64 01 01 00  kTraceEnabled...
0030  0f 50 6c 61 74 66 6f 72 6d 44 65 74 61 69 6c 73  .PlatformDetails
0040  09 00 04 4a 61 76 61 00 0c 43 61 63 68 65 45 6e  ...Java..CacheEn
0050  61 62 6c 65 64 01 01 00 11 54 63 70 4e 6f 44 65  abled....TcpNoDe
0060  6c 61 79 45 6e 61 62 6c 65 64 01 01 00 12 53 69  layEnabled....Si
0070  7a 65 50 72 65 66 69 78 44 69 73 61 62 6c 65 64  zePrefixDisabled
0080  01 00 00 09 43 61 63 68 65 53 69 7a 65 05 00 00  ....CacheSize...
0090  04 00 00 0c 50 72 6f 76 69 64 65 72 4e 61 6d 65  ....ProviderName
00a0  09 00 08 41 63 74 69 76 65 4d 51 00 14 54 69 67  ...ActiveMQ..Tig
00b0  68 74 45 6e 63 6f 64 69 6e 67 45 6e 61 62 6c 65  htEncodingEnable
00c0  64 01 01 00 0c 4d 61 78 46 72 61 6d 65 53 69 7a  d....MaxFrameSiz
00d0  65 06 7f ff ff ff ff ff ff ff 00 15 4d 61 78 49  e...........MaxI
00e0  6e 61 63 74 69 76 69 74 79 44 75 72 61 74 69 6f  nactivityDuratio
00f0  6e 06 00 00 00 00 00 00 75 30 00 20 4d 61 78 49  n.......u0. MaxI
0100  6e 61 63 74 69 76 69 74 79 44 75 72 61 74 69 6f  nactivityDuratio
0110  6e 49 6e 69 74 61 6c 44 65 6c 61 79 06 00 00 00  nInitalDelay....
0120  00 00 00 27 10 00 13 4d 61 78 46 72 61 6d 65 53  ...'...MaxFrameS
0130  69 7a 65 45 6e 61 62 6c 65 64 01 01 00 0f 50 72  izeEnabled....Pr
0140  6f 76 69 64 65 72 56 65 72 73 69 6f 6e 09 00 06  oviderVersion...
0150  35 2e 31 37 2e 32                                5.17.2
`);

export const BROKER_INFO = hex(`
0000  00 00 00 4a 02 03 7e 03 00 00 00 00 00 00 00 7c  ...J..~........|
0010  00 1d 49 44 3a 76 6d 2d 34 31 30 32 33 2d 31 37  ..ID:vm-41023-17
0020  39 35 36 30 34 33 30 38 31 37 39 2d 30 3a 31 00  95604308179-0:1.
0030  15 74 63 70 3a 2f 2f 31 32 37 2e 30 2e 30 2e 31  .tcp://127.0.0.1
0040  3a 35 33 36 31 36 00 06 61 6e 63 68 6f 72        :53616..anchor
`);

export const CONNECTION_INFO_TIGHT = hex(`
00 00 00 36 03 02 7F 18 00 00 00 01 00 00 78 00 1D 49 44 3A 76 6D 2D 33 36 31 36 31 2D 31 37 39 35
36 30 34 33 31 39 37 33 33 2D 31 3A 31 00 0A 63 61 70 2D 63 6C 69 65 6E 74
`);

export const CONNECTION_INFO_RESPONSE = hex(`00 00 00 0B 1E 01 00 00 00 00 00 00 00 00 01`);

export const CONNECTION_CONTROL = hex(`00 00 00 0C 12 02 C0 03 00 00 00 00 00 00 00 00`);

export const CONNECTION_INFO_LOOSE = hex(`
0000  00 00 00 3e 03 00 00 00 01 01 01 78 01 00 1d 49  ...>.......x...I
0010  44 3a 76 6d 2d 34 34 37 39 35 2d 31 37 39 35 36  D:vm-44795-17956
0020  30 34 33 36 32 33 30 31 2d 31 3a 31 01 00 0a 63  04362301-1:1...c
0030  61 70 2d 63 6c 69 65 6e 74 00 00 00 00 01 01 00  ap-client.......
0040  00 00                                            ..
`);

export const TEXT_MESSAGE_SEND = hex(`
00 00 00 51 1C 05 49 04 B1 01 00 00 00 00 05 00 04 00 05 00 06 00 06 6E 00 04 00 01 00 06 00 00 00 00
04 00 00 01 A2 12 5B 8E F9 00 00 00 09 00 00 00 05 68 65 6C 6C 6F 00 00 00 13 00 00 00 02 00 01 6E 05
00 00 00 2A 00 01 6B 09 00 01 76 00 06 00 00 00 00
`);

export const TEXT_MESSAGE_RESPONSE = hex(`00 00 00 0B 1E 01 00 00 00 00 00 00 00 00 05`);

export const MESSAGE_DISPATCH = hex(`
0000  00 00 00 c4 15 08 5e bf af 12 45 6c 40 1e 00 00  ......^...El@...
0010  00 00 00 01 7a 00 1d 49 44 3a 76 6d 2d 33 36 31  ....z..ID:vm-361
0020  36 31 2d 31 37 39 35 36 30 34 33 31 39 37 33 33  61-1795604319733
0030  2d 31 3a 31 00 01 00 01 00 02 64 00 06 54 45 53  -1:1......d..TES
0040  54 2e 51 1c 00 00 00 05 00 03 7b 00 1d 49 44 3a  T.Q.......{..ID:
0050  76 6d 2d 33 36 31 36 31 2d 31 37 39 35 36 30 34  vm-36161-1795604
0060  33 31 39 37 33 33 2d 31 3a 31 00 01 00 01 00 02  319733-1:1......
0070  00 04 00 04 6e 00 03 00 01 00 05 00 04 00 00 00  ....n...........
0080  00 04 00 00 01 a2 12 5b 8e f9 00 00 00 09 00 00  .......[........
0090  00 05 68 65 6c 6c 6f 00 00 00 13 00 00 00 02 00  ..hello.........
00a0  01 6e 05 00 00 00 2a 00 01 6b 09 00 01 76 00 04  .n....*..k...v..
00b0  00 00 00 00 00 00 01 a2 12 5b 8e fc 00 00 01 a2  .........[......
00c0  12 5b 8f 22 00 00 00 00                          .[."....
`);

export const MESSAGE_ACK = hex(`
00 00 00 22 16 03 10 8D 02 00 00 00 07 00 05 00 06 00 07 02 6E 00 04 00 01 00 05 6E 00 04 00 01 00 05
00 00 00 01
`);

/** kahadb.md 10.4: a stored SubscriptionInfo (loose v11, size-prefixed). */
export const STORED_SUBSCRIPTION_INFO = new Uint8Array([
  0x00,
  0x00,
  0x00,
  0x27,
  0x37,
  0x01,
  0x00,
  0x04,
  ...new TextEncoder().encode("pend"),
  0x01,
  0x65,
  0x01,
  0x00,
  0x06,
  ...new TextEncoder().encode("PEND.T"),
  0x00,
  0x01,
  0x00,
  0x04,
  ...new TextEncoder().encode("dsub"),
  0x01,
  0x65,
  0x01,
  0x00,
  0x06,
  ...new TextEncoder().encode("PEND.T"),
  0x00,
]);

/** The connection id of the tight capture session. */
export const CAPTURE_CONNECTION = "ID:vm-36161-1795604319733-1:1";
