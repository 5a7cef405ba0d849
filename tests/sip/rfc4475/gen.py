#!/usr/bin/env python3
# gen.py - writes the RFC 4475 torture messages, one file per message
# (NAME.sip), as RFC 4475 section 3 describes them, adapted to the test
# topology. Run from this directory; the files are committed, so this
# only documents how they were made (and regenerates them).
#
# Written as text with LF line ends, turned into CRLF here. Markers:
#   @VIA@    sent-by of the sender (filled in by test_rfc4475.sh)
#   @RHOST@  the Request-URI host the sender aims at (its peer)
#   (SDP media is at the LAN phone, 192.0.2.10)
#   @CL@     the byte length of the body (after the empty line)
#   <00> <07> <7F> <XX>: that byte
#   {LONG:c:n} the character c n times (RFC 4475 section 2.3)
import re

SDP = """v=0
o=mhandley 29739 7272939 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 49216 RTP/AVP 0 12
m=video 3228 RTP/AVP 31
a=rtpmap:31 LPC
"""
SDP1 = """v=0
o=mhandley 29739 7272939 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 49216 RTP/AVP 0
a=rtpmap:0 PCMU/8000
"""

M = {}

# 3.1.1.1 wsinv: a short tortuous INVITE (valid)
M["wsinv"] = """INVITE sip:vivekg@@RHOST@;unknownparam SIP/2.0
TO :
 sip:vivekg@@RHOST@ ;   tag    = 1918181833n
from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1
Content-Length   : @CL@
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /UDP
    @VIA@;branch=390skdjuw
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  192.168.255.111   ; branch=
 z9hG4bK30239
m:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33

""" + SDP

# 3.1.1.2 intmeth: wide range of valid characters (valid); the To
# display name carries quoted-pairs of BEL, NUL and DEL
M["intmeth"] = """!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-.!%66*_+`'~
To: "BEL:\\<07> NUL:\\<00> DEL:\\<7F>" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>
From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="<D180><D0B0><D0B1><D0BE><D182><D0B0><D18E><D189><D0B8><D0B9>";tag=_token~1'+`*%!-.
Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\}{][?"/"/,
CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~
Max-Forwards: 255
extensionHeader-!.%*+_`'~:<EFBBBF><E5A4A7><E5819C><E99BBB>
Content-Length: 0

"""

# 3.1.1.3 esc01: valid use of % escaping
M["esc01"] = """INVITE sip:sips%3Auser%40example.com@@RHOST@ SIP/2.0
To: sip:%75se%72@example.com
From: <sip:I%20have%20spaces@example.net>;tag=938
Max-Forwards: 87
i: esc01.239409asdfakjkn23onasd0-3234
CSeq: 234234 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
C: application/sdp
Contact:
  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: @CL@

""" + SDP1

# 3.1.1.4 escnull: escaped NULs in URIs (valid)
M["escnull"] = """REGISTER sip:@RHOST@ SIP/2.0
To: sip:null-%00-null@example.com
From: sip:null-%00-null@example.com;tag=839923423
Max-Forwards: 70
Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Contact: <sip:%00@host5.example.com>
Contact: <sip:%00%00@host5.example.com>
L:0

"""

# 3.1.1.5 esc02: % that is not an escape (valid; an unknown method)
M["esc02"] = """RE%47IST%45R sip:registrar.example.com@@RHOST@ SIP/2.0
To: "%Z%45" <sip:resource@example.com>
From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23
Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK209%fzsnel234
CSeq: 29344 RE%47IST%45R
Max-Forwards: 70
Contact: <sip:alias1@host1.example.com>
C%6Fntact: <sip:alias2@host2.example.com>
Contact: <sip:alias3@host3.example.com>
l: 0

"""

# 3.1.1.6 lwsdisp: no LWS between display name and < (valid)
M["lwsdisp"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
To: sip:user@example.com
From: caller<sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID: lwsdisp.1234abcd@funky.example.com
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
l: 0

"""

# 3.1.1.7 longreq: long values in header fields (valid)
M["longreq"] = """INVITE sip:user@@RHOST@ SIP/2.0
To: "I have a user name of {LONG:extreme:10} proportion"<sip:user@example.com:6000;unknownparam1=very{LONG:long:20}value;longparam{LONG:name:25}=shortvalue;very{LONG:long:25}ParameterNameWithNoValue>
F: sip:{LONG:amazinglylongcallername:5}@example.net;tag=12{LONG:982:50}424;unknownheaderparam{LONG:name:20}=unknowheaderparam{LONG:value:15};unknownValueless{LONG:paramname:10}
Call-ID: longreq.one{LONG:really:20}longcallid
CSeq: 3882340 INVITE
Unknown-{LONG:Long:20}-Name: unknown-{LONG:long:20}-value; unknown-{LONG:long:20}-parameter-name = unknown-{LONG:long:20}-parameter-value
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK{LONG:longbranchvalue:20};unknown{LONG:looooooooooooooooooooooooooong:6}param=verylong{LONG:value:20}
Via: SIP/2.0/TCP sip33.example.com
Via: SIP/2.0/TCP sip32.example.com
Via: SIP/2.0/TCP sip31.example.com
Via: SIP/2.0/TCP sip30.example.com
Via: SIP/2.0/TCP sip29.example.com
Via: SIP/2.0/TCP sip28.example.com
Via: SIP/2.0/TCP sip27.example.com
Via: SIP/2.0/TCP sip26.example.com
Via: SIP/2.0/TCP sip25.example.com
Via: SIP/2.0/TCP sip24.example.com
Via: SIP/2.0/TCP sip23.example.com
Via: SIP/2.0/TCP sip22.example.com
Via: SIP/2.0/TCP sip21.example.com
Via: SIP/2.0/TCP sip20.example.com
Via: SIP/2.0/TCP sip19.example.com
Via: SIP/2.0/TCP sip18.example.com
Via: SIP/2.0/TCP sip17.example.com
Via: SIP/2.0/TCP sip16.example.com
Via: SIP/2.0/TCP sip15.example.com
Via: SIP/2.0/TCP sip14.example.com
Via: SIP/2.0/TCP sip13.example.com
Via: SIP/2.0/TCP sip12.example.com
Via: SIP/2.0/TCP sip11.example.com
Via: SIP/2.0/TCP sip10.example.com
Via: SIP/2.0/TCP sip9.example.com
Via: SIP/2.0/TCP sip8.example.com
Via: SIP/2.0/TCP sip7.example.com
Via: SIP/2.0/TCP sip6.example.com
Via: SIP/2.0/TCP sip5.example.com
Via: SIP/2.0/TCP sip4.example.com
Via: SIP/2.0/TCP sip3.example.com
Via: SIP/2.0/TCP sip2.example.com
Via: SIP/2.0/TCP sip1.example.com
Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very{LONG:long:50}branchvalue
Max-Forwards: 70
Contact: <sip:{LONG:amazinglylongcallername:5}@host5.example.net>
Content-Type: application/sdp
l: @CL@

""" + SDP1

# 3.1.1.8 dblreq: extra trailing octets in a UDP datagram (valid: the
# REGISTER; the INVITE after Content-Length is discarded)
M["dblreq"] = """REGISTER sip:@RHOST@ SIP/2.0
To: sip:j.user@example.com
From: sip:j.user@example.com;tag=43251j3j324
Max-Forwards: 8
I: dblreq.0ha0isndaksdj99sdfafnl3lk233412
Contact: sip:j.user@host.example.com
CSeq: 8 REGISTER
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw23492
Content-Length: 0

INVITE sip:joe@example.com SIP/2.0
t: sip:joe@example.com
From: sip:caller@example.net;tag=141334
Max-Forwards: 8
Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234
Content-Type: application/sdp
Content-Length: 151

""" + SDP1

# 3.1.1.9 semiuri: semicolon-separated parameters in the user part
M["semiuri"] = """OPTIONS sip:user;par=u%40example.net@@RHOST@ SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Call-ID: semiuri.0ha0isndaksdj
CSeq: 8 OPTIONS
Accept: application/sdp, application/pkcs7-mime,
        multipart/mixed, multipart/signed,
        message/sip, message/sipfrag
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
l: 0

"""

# 3.1.1.10 transports: varied and unknown transport types (valid)
M["transports"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
To: sip:user@example.com
From: <sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID: transports.kijh4akdnaqjkwendsasfdj
Accept: application/sdp
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee
l: 0

"""

# 3.1.1.11 mpart01: multipart MIME, a binary part with NULs (valid)
MP = """--7a9cbec02ceef655
Content-Type: text/plain
Content-Transfer-Encoding: binary

Hello
--7a9cbec02ceef655
Content-Type: application/octet-stream
Content-Transfer-Encoding: binary

<30><82><01><52><06><09><2A><86><48><86><F7><0D><01><07><02><A0><82><01><43><30><82><01><3F><02><01><01><31><09><30><07><06><05><2B><0E><03><02><1A><30><0B><06><09><2A><86><48><86><F7><0D><01><07><01><31><82><01><20><30><82><01><1C><02><01><01><30><7C><30><70><31><0B><30><09><06><03><55><04><06><13><02><55><53><31><13><00><00><00>
--7a9cbec02ceef655--
"""
M["mpart01"] = """MESSAGE sip:kumiko@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport
Max-Forwards: 70
Identity: r5mwreLuyDRYBi/0TiPwEsY3Uc2Z1vuFtCf0eUJhvqHM4ALmgAJ2U2n1OHqSkxVoQfsMwAZbQ2B1OUAhaJ3Iyq9gW4BT6bg0NUtHE
Identity-Info: <https://example.com/cert>;alg=rsa-sha1
To: <sip:kumiko@example.org>
From: <sip:bob@example.com>;tag=ef6f8dfd
Call-ID: mpart01.f354ce714fb8a95c
CSeq: 1 MESSAGE
Contact: <sip:bob@192.0.2.99:5070>
Content-Type: multipart/mixed;boundary=7a9cbec02ceef655
MIME-Version: 1.0
Content-Length: @CL@

""" + MP

# 3.1.1.12 unreason: unusual reason phrase (a valid response)
M["unreason"] = """SIP/2.0 200 = 2**3 * 5**2 <D0BD><D0BE> <D181><D182><D0BE> <D0B4><D0B5><D0B2><D18F><D0BD><D0BE><D181><D182><D0BE> <D0B4><D0B5><D0B2><D18F><D182><D18C> - <D0BF><D180><D0BE><D181><D182><D0BE><D0B5>
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-unreason-;received=192.0.2.198
Call-ID: unreason.1234ksdfak3j2erwedfsASdf
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: 0
Contact: <sip:user@host198.example.com>

"""

# 3.1.1.13 noreason: empty reason phrase (a valid response)
M["noreason"] = """SIP/2.0 100 \nVia: SIP/2.0/UDP @VIA@;branch=z9hG4bK-noreason-
To: <sip:user@example.com>
From: <sip:user@example.org>;tag=9kd8
Call-ID: noreason.asndj203insdf99223ndf
CSeq: 35 INVITE
Content-Length: 0

"""

# 3.1.2.1 badinv01: extraneous header field separators (invalid)
M["badinv01"] = """INVITE sip:user@@RHOST@ SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=134161461246
Max-Forwards: 7
Call-ID: badinv01.0ha0isndaksdjasdf3234nas
CSeq: 8 INVITE
Via: SIP/2.0/UDP @VIA@;;,;,,
Contact: "Joe" <sip:joe@example.org>;;;;
Content-Length: @CL@
Content-Type: application/sdp

""" + SDP1

# 3.1.2.2 clerr: Content-Length larger than the message (invalid)
M["clerr"] = """INVITE sip:user@@RHOST@ SIP/2.0
Max-Forwards: 80
To: sip:j.user@example.com
From: sip:caller@example.net;tag=93942939o2
Contact: <sip:caller@hungry.example.net>
Call-ID: clerr.0ha0isndaksdjweiafasdk3
CSeq: 8 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-39234-23523
Content-Type: application/sdp
Content-Length: 9999

""" + SDP1

# 3.1.2.3 ncl: negative Content-Length (invalid)
M["ncl"] = """INVITE sip:user@@RHOST@ SIP/2.0
Max-Forwards: 254
To: sip:j.user@example.com
From: sip:caller@example.net;tag=32394234
Call-ID: ncl.0ha0isndaksdj2193423r542w35
CSeq: 0 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Contact: <sip:caller@host5.example.com>
Content-Type: application/sdp
Content-Length: -999

""" + SDP1

# 3.1.2.4 scalar02: request scalar fields with overlarge values (invalid)
M["scalar02"] = """REGISTER sip:@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 255
From: <sip:user@example.com>;tag=d879h76
To: <sip:user@example.com>
Call-ID: scalar02.8nQ4W1aW2cfb5iKzTHsd77=
CSeq: 36893488147419103232 REGISTER
Contact: <sip:user@host129.example.com>
  ;expires=280297596632815
Expires: 1022440567
Content-Length: 0

"""

# 3.1.2.5 scalarlg: response scalar fields with overlarge values (invalid)
M["scalarlg"] = """SIP/2.0 503 Service Unavailable
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129
To: <sip:user@example.com>
From: <sip:other@example.net>;tag=2easdjfejw
CSeq: 9292394834772304023312 OPTIONS
Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r
Retry-After: 949302838503028349304023988
Warning: 1812 overture "In Progress"
Content-Length: 0

"""

# 3.1.2.6 quotbal: unterminated quoted string in display name (invalid)
M["quotbal"] = """INVITE sip:user@@RHOST@ SIP/2.0
To: "Mr. J. User <sip:j.user@example.com>
From: sip:caller@example.net;tag=93334
Max-Forwards: 10
Call-ID: quotbal.aksdj
Contact: <sip:caller@host59.example.net>
CSeq: 0 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# 3.1.2.7 ltgtruri: <> enclosing the Request-URI (invalid)
M["ltgtruri"] = """INVITE <sip:user@@RHOST@> SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=39291
Max-Forwards: 23
Call-ID: ltgtruri.1@192.0.2.5
CSeq: 1 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Contact: <sip:caller@host5.example.net>
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# 3.1.2.8 lwsruri: embedded LWS in the Request-URI (invalid)
M["lwsruri"] = """INVITE sip:user@@RHOST@; lr SIP/2.0
To: sip:user@example.com;tag=3xfe-9921883-z9f
From: sip:caller@example.net;tag=231413434
Max-Forwards: 5
Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423
CSeq: 2130706432 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw2395
Contact: <sip:caller@host1.example.net>
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# 3.1.2.9 lwsstart: multiple SP separating Request-Line elements (invalid)
M["lwsstart"] = """INVITE  sip:user@@RHOST@  SIP/2.0
Max-Forwards: 8
To: sip:user@example.com
From: sip:caller@example.net;tag=8814
Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com
CSeq: 1893884 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw3923
Contact: <sip:caller@host1.example.net>
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# 3.1.2.10 trws: SP at the end of the Request-Line (invalid)
M["trws"] = """OPTIONS sip:remote-target@@RHOST@ SIP/2.0  
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-trws-
Max-Forwards: 70
From: <sip:example.com>;tag=fr53sd9c
To: <sip:remote-target@example.net>
Call-ID: trws.oicu34958239neffasdhr2345r
Accept: application/sdp
CSeq: 238923 OPTIONS
Content-Length: 0

"""

# 3.1.2.11 escruri: escaped headers in the Request-URI (invalid)
M["escruri"] = """INVITE sip:user@@RHOST@?Route=%3Csip:example.com%3E SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=341518
Max-Forwards: 7
Contact: <sip:caller@host39923.example.net>
Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5
CSeq: 149209342 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# 3.1.2.12 baddate: a Date with a time zone other than GMT (invalid)
M["baddate"] = """INVITE sip:user@@RHOST@ SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=2234923
Max-Forwards: 70
Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234
CSeq: 1392934 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Date: Fri, 01 Jan 2010 16:00:00 EST
Contact: <sip:caller@host5.example.net>
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# 3.1.2.13 regbadct: an escaped header in a Contact addr-spec (invalid)
M["regbadct"] = """REGISTER sip:@RHOST@ SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=998332
Max-Forwards: 70
Call-ID: regbadct.k345asrl3fdbv@10.0.0.1
CSeq: 1 REGISTER
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E
l: 0

"""

# 3.1.2.14 badaspec: spaces within an addr-spec (invalid)
M["badaspec"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423
To: "Watson, Thomas" < sip:t.watson@example.org >
Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3
Accept: application/sdp
CSeq: 3923239 OPTIONS
l: 0

"""

# 3.1.2.15 baddn: non-token characters in an unquoted display name
M["baddn"] = """OPTIONS sip:t.watson@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: Bell, Alexander <sip:a.g.bell@example.com>;tag=433423
To: Watson, Thomas <sip:t.watson@example.org>
Call-ID: baddn.31415@c.example.com
Accept: application/sdp
CSeq: 3923239 OPTIONS
l: 0

"""

# 3.1.2.16 badvers: unknown protocol version (invalid, 505)
M["badvers"] = """OPTIONS sip:t.watson@@RHOST@ SIP/7.0
Via: SIP/7.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe
To: T. Watson <sip:t.watson@example.org>
Call-ID: badvers.31417@c.example.com
CSeq: 1 OPTIONS
l: 0

"""

# 3.1.2.17 mismatch01: start line and CSeq method mismatch (invalid)
M["mismatch01"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch01.dj0234sxdfl3
CSeq: 8 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
l: 0

"""

# 3.1.2.18 mismatch02: unknown method with CSeq method mismatch (invalid)
M["mismatch02"] = """NEWMETHOD sip:user@@RHOST@ SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch02.dj0234sxdfl3
CSeq: 8 INVITE
Contact: <sip:caller@host.example.net>
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Type: application/sdp
l: @CL@

""" + SDP1

# 3.1.2.19 bigcode: overlarge response code (invalid response)
M["bigcode"] = """SIP/2.0 4294967301 better not break the receiver
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-bigcode-
Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i
CSeq: 353494 INVITE
From: <sip:user@example.com>;tag=39ansfi3
To: <sip:user@example.edu>;tag=902jndnke3
Content-Length: 0
Contact: <sip:user@host10.example.com>

"""

# 3.2.1 badbranch: branch without the magic cookie (valid)
M["badbranch"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
To: sip:user@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhg5
Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n
CSeq: 8 OPTIONS
l: 0

"""

# 3.3.1 insuf: missing Call-ID, From and To (invalid, 400)
M["insuf"] = """INVITE sip:user@@RHOST@ SIP/2.0
CSeq: 193942 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Type: application/sdp
l: @CL@

""" + SDP1

# 3.3.2 unkscm: Request-URI with an unknown scheme (416)
M["unkscm"] = """OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34
CSeq: 3923423 OPTIONS
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Length: 0

"""

# 3.3.3 novelsc: a known but atypical scheme this proxy does not route
M["novelsc"] = """OPTIONS soap.beep://@RHOST@:3002 SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: novelsc.asdfasser0q239nwsdfasdkl34
CSeq: 3923423 OPTIONS
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Length: 0

"""

# 3.3.4 unksm2: unknown URI schemes in header fields (valid)
M["unksm2"] = """REGISTER sip:@RHOST@ SIP/2.0
To: isbn:2983792873
From: <http://www.example.com>;tag=3234233
Call-ID: unksm2.daksdj@hyphenated-host.example.com
CSeq: 234902 REGISTER
Max-Forwards: 70
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Contact: <name:John_Smith>
l: 0

"""

# 3.3.5 bext01: Proxy-Require and Require (valid; a proxy: 420)
M["bext01"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.net;tag=242etr
Max-Forwards: 6
Call-ID: bext01.0ha0isndaksdj
Require: nothingSupportedHere
Proxy-Require: noodles, nomatch
CSeq: 8 OPTIONS
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
l: 0

"""

# 3.3.6 invut: unknown Content-Type (valid; a proxy forwards)
M["invut"] = """INVITE sip:user@@RHOST@ SIP/2.0
Contact: <sip:caller@host5.example.net>
To: sip:j.user@example.com
From: sip:caller@example.net;tag=8392034
Max-Forwards: 70
Call-ID: invut.0ha0isndaksdjadsfij34n23d
CSeq: 235448 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Type: application/unknownformat
Content-Length: @CL@

<body>
  <hello>Now is the time for all good men to come to the aid of their country.</hello>
</body>
"""

# 3.3.7 regaut01: unknown authorization scheme (valid)
M["regaut01"] = """REGISTER sip:@RHOST@ SIP/2.0
To: sip:j.user@example.com
From: sip:j.user@example.com;tag=87321hj23128
Max-Forwards: 8
Call-ID: regaut01.0ha0isndaksdj
CSeq: 9338 REGISTER
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Authorization: NoOneKnowsThisScheme opaque-data=here
Content-Length:0

"""

# 3.3.8 multi01: multiple values in single-value header fields (invalid)
M["multi01"] = """INVITE sip:user@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 70
CSeq: 122 INVITE
To: sip:user@example.com
From: sip:caller@example.net;tag=3413415
To: sip:user@example.com
Call-ID: multi01.98asdh@192.0.2.1
CSeq: 122 INVITE
Call-ID: multi01.98asdh@192.0.2.2
From: sip:caller@example.net;tag=2923420123
Content-Type: application/sdp
l: @CL@
Contact: <sip:caller@host5.example.net>
Max-Forwards: 5

""" + SDP1

# 3.3.9 mcl01: multiple Content-Length values (invalid)
M["mcl01"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
To: sip:user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 70
Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf
CSeq: 15932 OPTIONS
Content-Length: 13
Max-Forwards: 60
Content-Length: 5
Content-Type: text/plain

There's no way to know how many octets are supposed to be here.
"""

# 3.3.10 bcast: 200 OK with a broadcast Via (a response to drop)
M["bcast"] = """SIP/2.0 200 OK
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-bcast-
Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23
Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: @CL@
Content-Type: application/sdp
Contact: <sip:user@host28.example.com>

""" + SDP1

# 3.3.11 zeromf: Max-Forwards of zero (a proxy answers 483)
M["zeromf"] = """OPTIONS sip:user@@RHOST@ SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=3ghsd41
Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas
CSeq: 39234321 OPTIONS
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 0
Content-Length: 0

"""

# 3.3.12 cparam01: a Contact header parameter (valid)
M["cparam01"] = """REGISTER sip:@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe
To: sip:watson@example.com
Call-ID: cparam01.70710@saturn.example.com
CSeq: 2 REGISTER
Contact: sip:+19725552222@gw1.example.net;unknownparam
l: 0

"""

# 3.3.13 cparam02: a Contact with a URI parameter (valid)
M["cparam02"] = """REGISTER sip:@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: sip:watson@example.com;tag=838293
To: sip:watson@example.com
Call-ID: cparam02.70710@saturn.example.com
CSeq: 3 REGISTER
Contact: <sip:+19725552222@gw1.example.net;unknownparam>
l: 0

"""

# 3.3.14 regescrt: a REGISTER with an escaped header in Contact (valid)
M["regescrt"] = """REGISTER sip:@RHOST@ SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=8
Max-Forwards: 70
Call-ID: regescrt.k345asrl3fdbv@192.0.2.1
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>
L:0

"""

# 3.3.15 sdp01: unacceptable Accept offering (valid; a proxy forwards)
M["sdp01"] = """INVITE sip:user@@RHOST@ SIP/2.0
To: sip:j_user@example.com
Contact: <sip:caller@host15.example.net>
From: sip:caller@example.net;tag=234
Max-Forwards: 5
Call-ID: sdp01.ndaksdj9342dasdd
Accept: text/nobodyKnowsThis
CSeq: 8 INVITE
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bKkdjuw
Content-Length: @CL@
Content-Type: application/sdp

""" + SDP1

# 3.4.1 inv2543: an INVITE in RFC 2543 syntax (valid)
M["inv2543"] = """INVITE sip:UserB@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@
From: <sip:UserA@example.com>;tag=inv2543a
To: <sip:UserB@example.com>
Call-ID: inv2543.8f4c3e2@example.com
CSeq: 1 INVITE
Max-Forwards: 70
Contact: <sip:UserA@host.example.com>
Content-Type: application/sdp
Content-Length: @CL@

""" + SDP1

# not from RFC 4475: the SDP inside a multipart/mixed body, which the
# router must find by its boundary and rewrite in place
M["x-mpart-sdp"] = """INVITE sip:user@@RHOST@ SIP/2.0
Via: SIP/2.0/UDP @VIA@;branch=z9hG4bK-xmpart
Max-Forwards: 70
To: <sip:user@example.com>
From: <sip:caller@example.net>;tag=xm1
Call-ID: x-mpart-sdp.1@example.net
CSeq: 1 INVITE
Contact: <sip:caller@host.example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed;boundary="b0und4ry"
Content-Length: @CL@

--b0und4ry
Content-Type: application/sdp

""" + SDP1 + """
--b0und4ry
Content-Type: text/plain

keep me byte for byte
--b0und4ry--
"""


def expand(s):
    s = re.sub(r"\{LONG:([^:}]*):(\d+)\}", lambda m: m.group(1) * int(m.group(2)), s)
    s = s.replace("\n", "\r\n")
    b = s.encode("utf-8")
    b = re.sub(rb"<([0-9A-F]{2,})>", lambda m: bytes.fromhex(m.group(1).decode()), b)
    sep = b.find(b"\r\n\r\n")
    if b"@CL@" in b[:sep]:
        # a body's length does not depend on the markers in the headers
        b = b.replace(b"@CL@", str(len(b) - sep - 4).encode(), 1)
    return b


for name, text in M.items():
    with open(name + ".sip", "wb") as f:
        f.write(expand(text))
