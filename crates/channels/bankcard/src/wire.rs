//! Length-prefixed frames over TCP: a 2-byte big-endian length, then that
//! many bytes (TPDU, header, message). Shared by the client and the sandbox.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Reads one frame's contents (without the length). `Ok(None)` on a clean
/// end of stream before a frame starts.
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match reader.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut body = vec![0u8; u16::from_be_bytes(len) as usize];
    reader.read_exact(&mut body).await?;
    Ok(Some(body))
}

/// Writes bytes already carrying their length prefix.
pub async fn write_frame<W: AsyncWrite + Unpin>(writer: &mut W, wire: &[u8]) -> std::io::Result<()> {
    writer.write_all(wire).await?;
    writer.flush().await
}
