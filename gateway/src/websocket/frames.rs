//! Reading WebSocket frame headers (RFC 6455 §5.2) out of a byte stream as it passes,
//! without holding payloads: a small state machine fed each chunk, reporting each frame's
//! opcode, FIN bit, mask bit and payload length. Used for frame logging; the bytes are
//! forwarded untouched either way.

/// A frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The last frame of its message.
    pub fin: bool,
    /// The opcode (0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong).
    pub opcode: u8,
    /// Whether the payload is masked (client-to-server frames must be).
    pub masked: bool,
    /// Payload bytes.
    pub length: u64,
}

impl FrameHeader {
    /// The opcode's name.
    pub fn kind(&self) -> &'static str {
        match self.opcode {
            0 => "continuation",
            1 => "text",
            2 => "binary",
            8 => "close",
            9 => "ping",
            10 => "pong",
            _ => "reserved",
        }
    }
}

/// The reader's state between chunks.
#[derive(Debug, Default)]
pub struct FrameReader {
    /// Header bytes gathered so far (at most 14: 2 + 8 length + 4 mask).
    header: Vec<u8>,
    /// Payload bytes of the current frame still to skip.
    skip: u64,
}

impl FrameReader {
    /// Feeds the next bytes of the stream; `on_frame` is called once per frame header
    /// completed in them.
    pub fn feed(&mut self, mut bytes: &[u8], mut on_frame: impl FnMut(FrameHeader)) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let skipped = usize::try_from(self.skip).unwrap_or(usize::MAX).min(bytes.len());
                self.skip -= skipped as u64;
                bytes = &bytes[skipped..];
                continue;
            }
            let needed = self.header_len().unwrap_or(2);
            let take = (needed - self.header.len()).min(bytes.len());
            self.header.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.header.len() < needed || self.header_len() != Some(self.header.len()) {
                continue;
            }
            let header = self.parse();
            self.header.clear();
            self.skip = header.length;
            on_frame(header);
        }
    }

    /// The full header's length, once its first two bytes are known.
    fn header_len(&self) -> Option<usize> {
        let second = *self.header.get(1)?;
        let extended = match second & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        Some(2 + extended + if second & 0x80 != 0 { 4 } else { 0 })
    }

    fn parse(&self) -> FrameHeader {
        let (first, second) = (self.header[0], self.header[1]);
        let length = match second & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&self.header[2..10]);
                u64::from_be_bytes(bytes)
            }
            short => u64::from(short),
        };
        FrameHeader { fin: first & 0x80 != 0, opcode: first & 0x0f, masked: second & 0x80 != 0, length }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(opcode: u8, fin: bool, mask: bool, payload: usize) -> Vec<u8> {
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        let mask_bit = if mask { 0x80 } else { 0 };
        match payload {
            0..=125 => out.push(mask_bit | payload as u8),
            126..=65535 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(payload as u16).to_be_bytes());
            }
            _ => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&(payload as u64).to_be_bytes());
            }
        }
        if mask {
            out.extend_from_slice(&[1, 2, 3, 4]);
        }
        out.extend(std::iter::repeat_n(b'x', payload));
        out
    }

    #[test]
    fn frames_are_found_whatever_the_chunking() {
        let mut stream = frame(1, true, true, 5);
        stream.extend(frame(2, false, false, 300));
        stream.extend(frame(0, true, false, 70_000));
        stream.extend(frame(9, true, true, 0));
        stream.extend(frame(8, true, true, 2));
        let expected = vec![
            FrameHeader { fin: true, opcode: 1, masked: true, length: 5 },
            FrameHeader { fin: false, opcode: 2, masked: false, length: 300 },
            FrameHeader { fin: true, opcode: 0, masked: false, length: 70_000 },
            FrameHeader { fin: true, opcode: 9, masked: true, length: 0 },
            FrameHeader { fin: true, opcode: 8, masked: true, length: 2 },
        ];
        for chunk in [1, 2, 3, 7, 1000, stream.len()] {
            let (mut reader, mut seen) = (FrameReader::default(), Vec::new());
            for piece in stream.chunks(chunk) {
                reader.feed(piece, |h| seen.push(h));
            }
            assert_eq!(seen, expected, "chunks of {chunk}");
        }
        assert_eq!(expected[0].kind(), "text");
        assert_eq!(expected[4].kind(), "close");
    }
}
