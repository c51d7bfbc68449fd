# Records dovecot-2.3.19.{server,client}: a scripted session against Dovecot's
# pre-authenticated imap binary (/usr/lib/dovecot/imap -c CONF, run as nobody,
# maildir storage, special_use on Drafts/Sent/Trash, an "Entwürfe" mailbox).
# Usage: python3 record_dovecot.py OUTPREFIX  (writes OUTPREFIX.server/.client)
import subprocess, os, select, sys, re, time

def msg(lines):
    return ("\r\n".join(lines) + "\r\n").encode()

m1 = msg(["From: Alice <alice@example.org>", "To: Bob <bob@example.org>", "Subject: plain hello",
          "Message-ID: <m1@example.org>", "Date: Mon, 1 Jan 2024 10:00:00 +0000", "", "Hello Bob,", "", "plain text body.", "-- ", "Alice"])
m2 = msg(["From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.de>", "To: bob@example.org, carol@example.org", "Cc: undisclosed-recipients:;",
          "Subject: =?UTF-8?B?R3LDvMOfZQ==?=", "Message-ID: <m2@example.de>", "In-Reply-To: <m1@example.org>",
          "Date: Tue, 2 Jan 2024 11:00:00 +0100", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"b1\"", "",
          "--b1", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable", "", "Gr=C3=BC=C3=9Fe", "",
          "--b1", "Content-Type: application/octet-stream; name=\"data.bin\"", "Content-Disposition: attachment; filename=\"data.bin\"",
          "Content-Transfer-Encoding: base64", "", "AAECAwQFBgcICQ==", "", "--b1--"])
m3 = msg(["From: carol@example.org", "To: bob@example.org", "Subject: Fwd: plain hello", "Message-ID: <m3@example.org>",
          "Date: Wed, 3 Jan 2024 12:00:00 -0500", "MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"outer\"", "",
          "--outer", "Content-Type: text/plain", "", "see below", "--outer", "Content-Type: message/rfc822", "Content-Disposition: inline", ""]
         ) + m1 + b"\r\n--outer--\r\n"
big = b"X-Filler: yes\r\nSubject: big\r\nMessage-ID: <m4@example.org>\r\n\r\n" + (b"0123456789abcdef" * 64 + b"\r\n") * 40

cmds = [
    b"ENABLE QRESYNC",
    b"ID (\"name\" \"imapdir-recorder\")",
    b"NAMESPACE",
    b"CREATE Archive/2024",
    ("APPEND INBOX (\\Seen) \" 1-Jan-2024 10:00:05 +0000\" {%d+}\r\n" % len(m1)).encode() + m1,
    ("APPEND INBOX (\\Flagged $Forwarded) {%d+}\r\n" % len(m2)).encode() + m2,
    ("APPEND INBOX () {%d+}\r\n" % len(m3)).encode() + m3,
    ("APPEND INBOX (\\Draft) {%d+}\r\n" % len(big)).encode() + big,
    ("APPEND Entw&APw-rfe (\\Draft) {%d+}\r\n" % len(m1)).encode() + m1,
    b"SELECT INBOX (CONDSTORE)",
    b"UID STORE 1 +FLAGS (\\Answered)",
    b"UID STORE 3 (UNCHANGEDSINCE 1) +FLAGS ($Junk)",
    b"UID COPY 1:2 Archive/2024",
    b"UID MOVE 4 Archive/2024",
    b"UNSELECT",
    b"SELECT INBOX (QRESYNC (%UV% 1 1:10))",
    b"UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE MODSEQ)",
    b"UID FETCH 1:* (BODY.PEEK[] BINARY.PEEK[1] BODY.PEEK[HEADER.FIELDS (Message-ID Subject)] BODY.PEEK[2.MIME] BINARY.SIZE[1])",
    b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
    b"UID SEARCH RETURN (ALL COUNT MIN MAX) ALL",
    b"SEARCH UNSEEN",
    b"UID SEARCH HEADER Message-ID <m2@example.de>",
    b"STATUS Archive/2024 (MESSAGES UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)",
    b"LIST \"\" \"*\" RETURN (SPECIAL-USE CHILDREN STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))",
    b"LIST (SPECIAL-USE) \"\" \"*\"",
    b"LSUB \"\" \"*\"",
    b"UID STORE 1:2 +FLAGS.SILENT (\\Deleted)",
    b"UID EXPUNGE 1",
    b"IDLE",
    b"EXPUNGE",
    b"NOOP",
    b"LOGOUT",
]

p = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "-i",
                      "HOME=/tmp/h2dove", "USER=nobody", "/usr/lib/dovecot/imap", "-c", "/tmp/h2dove/dovecot.conf"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
server = bytearray()
client = bytearray()

def read_until(pred, timeout=5):
    start = len(server)
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            server.extend(chunk)
            if pred(bytes(server[start:])):
                return bytes(server[start:])
    return bytes(server[start:])

read_until(lambda b: b.endswith(b"\r\n"))
uv = None
for i, c in enumerate(cmds):
    tag = b"t%d" % (i + 1)
    if b"%UV%" in c:
        c = c.replace(b"%UV%", uv)
    line = tag + b" " + c + b"\r\n"
    p.stdin.write(line); p.stdin.flush(); client.extend(line)
    if c == b"IDLE":
        read_until(lambda b: b"+ idling" in b)
        p.stdin.write(b"DONE\r\n"); p.stdin.flush(); client.extend(b"DONE\r\n")
    out = read_until(lambda b: re.search(rb"(^|\r\n)" + tag + rb" (OK|NO|BAD)[^\r\n]*\r\n$", b) is not None)
    m = re.search(rb"UIDVALIDITY (\d+)", out)
    if m and uv is None:
        uv = m.group(1)
p.wait(timeout=5)
open(sys.argv[1] + ".server", "wb").write(bytes(server))
open(sys.argv[1] + ".client", "wb").write(bytes(client))
print(len(server), len(client))
