package gen

import (
	"fmt"
	"net/netip"
)

// weighted is a prefix and how often attackers come from it.
type weighted struct {
	prefix string
	weight int
}

// attackerV4 are public IPv4 ranges that sshd logs show a lot of
// (cloud and hosting providers, large eyeball networks); the weights only
// shape the mix.
var attackerV4 = []weighted{
	{"218.92.0.0/16", 12},   // China Telecom Jiangsu: the classic root brute forcer
	{"61.177.172.0/24", 6},  // China Telecom Jiangsu
	{"222.186.0.0/16", 4},   // China Telecom Jiangsu
	{"115.238.0.0/16", 2},   // China Telecom Zhejiang
	{"122.51.0.0/16", 3},    // Tencent Cloud
	{"43.135.0.0/16", 4},    // Tencent Cloud
	{"43.153.0.0/16", 4},    // Tencent Cloud
	{"101.42.0.0/16", 2},    // Tencent Cloud
	{"1.14.0.0/16", 2},      // Tencent Cloud
	{"47.236.0.0/14", 3},    // Alibaba Cloud
	{"8.210.0.0/16", 2},     // Alibaba Cloud HK
	{"106.75.0.0/16", 2},    // UCloud
	{"159.65.0.0/16", 4},    // DigitalOcean
	{"167.99.0.0/16", 4},    // DigitalOcean
	{"134.209.0.0/16", 3},   // DigitalOcean
	{"178.128.0.0/16", 3},   // DigitalOcean
	{"206.189.0.0/16", 3},   // DigitalOcean
	{"64.227.0.0/16", 3},    // DigitalOcean
	{"143.198.0.0/16", 2},   // DigitalOcean
	{"157.245.0.0/16", 2},   // DigitalOcean
	{"165.232.0.0/16", 2},   // DigitalOcean
	{"170.64.0.0/16", 2},    // DigitalOcean Sydney
	{"139.59.0.0/16", 3},    // DigitalOcean
	{"188.166.0.0/16", 2},   // DigitalOcean
	{"45.148.10.0/24", 3},   // hosting, NL
	{"80.94.95.0/24", 3},    // hosting, RO
	{"194.169.175.0/24", 2}, // hosting
	{"92.118.39.0/24", 2},   // hosting
	{"2.57.122.0/24", 2},    // hosting
	{"141.98.11.0/24", 2},   // hosting, LT
	{"193.32.162.0/24", 2},  // hosting
	{"185.156.73.0/24", 2},  // hosting
	{"183.81.169.0/24", 2},  // Vietnam
	{"14.225.0.0/16", 2},    // Vietnam
	{"103.186.0.0/16", 2},   // APNIC hosting
	{"117.50.0.0/16", 1},    // UCloud
	{"20.0.0.0/11", 3},      // Microsoft Azure
	{"34.64.0.0/10", 2},     // Google Cloud
	{"35.192.0.0/12", 1},    // Google Cloud
	{"3.0.0.0/9", 2},        // Amazon AWS
	{"52.0.0.0/10", 1},      // Amazon AWS
	{"5.188.0.0/16", 1},     // hosting, RU
	{"91.92.240.0/20", 2},   // hosting, BG
	{"179.43.0.0/16", 1},    // hosting, CH
	{"177.0.0.0/8", 2},      // Brazil, broadband
	{"189.0.0.0/8", 1},      // Mexico/Brazil broadband
	{"110.0.0.0/8", 2},      // Asia broadband
	{"175.0.0.0/8", 1},      // Asia broadband
	{"212.0.0.0/8", 1},      // Europe
	{"81.0.0.0/8", 1},       // Europe
	{"198.51.100.0/24", 1},  // documentation (TEST-NET-2)
	{"203.0.113.0/24", 1},   // documentation (TEST-NET-3)
}

// attackerV6 are public IPv6 ranges.
var attackerV6 = []weighted{
	{"2400:6180::/32", 3},    // DigitalOcean Singapore
	{"2604:a880::/32", 3},    // DigitalOcean New York
	{"2a03:b0c0::/32", 3},    // DigitalOcean Europe
	{"2001:da8::/32", 3},     // CERNET
	{"240e::/20", 3},         // China Telecom
	{"2408:8000::/20", 2},    // China Unicom
	{"2a01:4f8::/32", 3},     // Hetzner
	{"2001:41d0::/32", 2},    // OVH
	{"2001:bc8::/32", 1},     // Scaleway
	{"2a05:d014::/32", 1},    // Amazon AWS eu-central-1
	{"2406:da18::/32", 1},    // Amazon AWS ap-southeast-1
	{"2001:db8::/32", 1},     // documentation
	{"2a0e:b107::/32", 1},    // small hosting
	{"2602:fa2e::/32", 1},    // small hosting
	{"2001:19f0::/32", 2},    // Vultr
	{"2605:6400::/32", 1},    // hosting
	{"2a0c:9a40::/32", 1},    // hosting
	{"2607:f8b0::/32", 1},    // Google
	{"2620:96:e000::/48", 1}, // hosting
}

// privateV4 are ranges of internal attackers (a compromised neighbour, a
// misconfigured scanner).
var privateV4 = []weighted{
	{"10.0.0.0/8", 2},
	{"172.16.0.0/12", 1},
	{"192.168.0.0/16", 2},
}

// commonUsers are the user names that attackers try, most often first
// (root is tried so often that campaigns choose it on their own).
var commonUsers = []string{
	"admin", "user", "test", "ubuntu", "oracle", "postgres", "guest", "git", "ftpuser", "pi",
	"debian", "centos", "support", "deploy", "hadoop", "mysql", "jenkins", "dev", "developer",
	"testuser", "user1", "test1", "tomcat", "www", "nagios", "ansible", "minecraft", "steam",
	"server", "es", "elastic", "redis", "odoo", "sol", "solana", "validator", "node", "docker",
	"ec2-user", "azureuser", "vagrant", "administrator", "Admin", "dell", "default", "ubnt",
	"teamspeak", "ts3", "zabbix", "nginx", "apache", "backup", "cisco", "operator", "sysadmin",
	"demo", "sales", "info", "web", "ftp", "vps", "openvpn", "kafka", "hdfs", "spark", "user2",
	"test2", "student", "teacher", "ubuntu1", "mongo", "mongodb", "gitlab", "gitlab-runner",
	"bitcoin", "eth", "ethereum", "trx", "ton", "near", "sftp", "sftpuser", "backup1", "12345",
	"user01", "nvidia", "jetson", "orangepi", "openhabian", "homeassistant", "frappe", "erpnext",
	"wordpress", "wp", "magento", "laravel", "django", "python", "java", "runner", "gpadmin",
	"hduser", "ftptest", "testftp", "test123", "admin1", "admin123", "devops", "jenkins-slave",
	"usuario", "prueba", "temp", "tmp", "uploader", "webmaster", "webadmin", "manager", "master",
	"monitor", "svn", "ts", "csgo", "factorio", "palworld", "terraria", "arma3", "rust", "vpn",
	"proxmox", "pve", "esadmin", "kibana", "grafana", "prometheus", "k8s", "kube", "rancher",
	"zookeeper", "storm", "flink", "hbase", "hive", "presto", "airflow", "jupyter", "anaconda",
	"conda", "pyuser", "dspace", "ftpadmin", "mailadmin", "postfix", "dovecot", "squid",
	"asterisk", "sip", "voip", "fax", "printer", "scanner", "camera", "dvr", "nvr", "router",
	"mikrotik", "huawei", "zte", "tplink", "netgear", "linksys", "dlink", "realtek",
}

// firstNames make the long tail of user names.
var firstNames = []string{
	"john", "david", "michael", "james", "robert", "daniel", "paul", "mark", "peter", "george",
	"steve", "tony", "kevin", "jason", "brian", "eric", "chris", "alex", "sam", "tom",
	"maria", "anna", "laura", "sara", "lisa", "julia", "emma", "olga", "nina", "elena",
	"wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou",
	"ahmed", "ali", "omar", "hassan", "ivan", "sergey", "dmitry", "andrey", "pavel", "igor",
}

// validUsers are the accounts that exist on the generated hosts and may log
// in, with their uid; sshd does not call them invalid.
var validUsers = map[string]int{"root": 0, "alice": 1000, "bob": 1001, "deploy": 1002}

// systemUsers exist but may not log in: "User U from IP not allowed
// because ..."; sshd then treats them as invalid. They never appear as
// plain invalid users.
var systemUsers = []string{"daemon", "bin", "sys", "sync", "games", "man", "lp", "news", "proxy", "list", "irc", "nobody", "www-data"}

// trickyUsers are hostile user names as sshd logs them: odd bytes are
// already octal escapes (sshd writes them so), and some try to inject a
// fake address.
var trickyUsers = []string{
	`\357\273\277root`,
	"admin admin",
	"root from 10.9.8.7 port 22 ssh2",
	"test port 22",
	"x from 192.0.2.99",
	"${jndi:ldap://192.0.2.1/a}",
	"<script>alert(1)</script>",
	`\033[2J\033[H`,
	"'; DROP TABLE users; --",
	"=cmd|' /C calc'!A0",
	"+1+1",
	"user: invalid",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
}

// dictionary returns the user names of dictionary attacks, most often first:
// the common names, then first names and first names with digits.
func dictionary() []string {
	skip := map[string]bool{}
	for _, u := range systemUsers {
		skip[u] = true
	}
	var d []string
	seen := map[string]bool{}
	add := func(u string) {
		if !skip[u] && !seen[u] {
			seen[u] = true
			d = append(d, u)
		}
	}
	for _, u := range commonUsers {
		add(u)
	}
	for _, n := range firstNames {
		add(n)
	}
	for i := 1; i <= 9; i++ {
		for _, n := range firstNames {
			add(fmt.Sprintf("%s%d", n, i))
		}
	}
	for _, n := range commonUsers[:40] {
		add(n + "123")
		add(n + "01")
	}
	return d
}

func mustPrefixes(ws []weighted) ([]netip.Prefix, []int) {
	ps := make([]netip.Prefix, len(ws))
	w := make([]int, len(ws))
	for i, x := range ws {
		ps[i] = netip.MustParsePrefix(x.prefix)
		w[i] = x.weight
	}
	return ps, w
}

// unrelated commands run with sudo.
var sudoCommands = []string{
	"/usr/bin/apt update", "/usr/bin/apt upgrade -y", "/usr/bin/systemctl restart nginx",
	"/usr/bin/systemctl status ssh", "/usr/bin/journalctl -u ssh", "/usr/bin/tail -f /var/log/auth.log",
	"/usr/sbin/ufw status", "/usr/bin/docker ps", "/bin/bash",
}
